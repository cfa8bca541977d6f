using Microsoft.Extensions.Hosting;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Hosting;

/// <summary>
/// Stops the <see cref="TokenManager"/> with the host (<c>AddTokenkeeper()</c> registers it): when the host stops, refreshes in
/// flight are finished and committed, kept tokens are stored, and leases are released, before the host disposes its services
/// (see <see cref="TokenManager.StopAsync"/>). Registered after the services that use tokens, it stops after them.
/// </summary>
public sealed class TokenManagerHostedService(TokenManager manager) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => manager.StopAsync(cancellationToken);
}
