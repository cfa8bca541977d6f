using Microsoft.Extensions.Hosting;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Hosting;

/// <summary>
/// Stops the <see cref="TokenManager"/> with the host (<c>AddTokenkeeper()</c> registers it): when the host stops, refreshes in
/// flight are finished and committed, kept tokens are stored, and leases are released, before the host disposes its services
/// (see <see cref="TokenManager.StopAsync"/>). A host stops its hosted services in the reverse order of their registration: call
/// <c>AddTokenkeeper()</c> before adding the services that use tokens, so they stop first. If it stops first instead, nothing is
/// lost: cached tokens are still served, and a refresh asked for afterwards fails with a typed exception instead of starting.
/// </summary>
internal sealed class TokenManagerHostedService(TokenManager manager) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => manager.StopAsync(cancellationToken);
}
