using Microsoft.Extensions.Hosting;
using Tokenkeeper.Lifecycle;

namespace Tokenkeeper.Hosting;

/// <summary>Runs the <see cref="LifecycleService"/> in a generic host (<c>AddTokenkeeperLifecycle()</c>).</summary>
internal sealed class LifecycleHostedService(LifecycleService service) : BackgroundService
{
    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => service.RunAsync(stoppingToken);
}
