using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Hosting;

/// <summary>Configures Tokenkeeper after <c>AddTokenkeeper()</c>: the store and the connections.</summary>
public sealed class TokenkeeperBuilder
{
    internal TokenkeeperBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Declares a connection.</summary>
    public TokenkeeperBuilder AddConnection(string connectionId, Action<ConnectionOptions> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionId);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new ConnectionOptions();
        configure(options);
        var definition = options.ToDefinition(connectionId);
        Services.AddSingleton(definition);
        return this;
    }

    /// <summary>Keeps tokens in memory only. Rotated refresh tokens are lost when the process exits: use it for tests and for
    /// connections that need no refresh token (client credentials).</summary>
    public TokenkeeperBuilder UseInMemoryStore()
    {
        Services.RemoveAll<ITokenStore>();
        Services.AddSingleton<ITokenStore>(sp => new InMemoryTokenStore(sp.GetRequiredService<TimeProvider>()));
        return this;
    }

    /// <summary>Uses the store <paramref name="factory"/> builds.</summary>
    public TokenkeeperBuilder UseStore(Func<IServiceProvider, ITokenStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.RemoveAll<ITokenStore>();
        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>Runs the lifecycle service in the host: keep-alives before idle deadlines, expiry warnings, alerts to webhooks.</summary>
    public TokenkeeperBuilder AddLifecycle(Action<Lifecycle.LifecycleOptions>? configure = null)
    {
        var options = new Lifecycle.LifecycleOptions();
        configure?.Invoke(options);
        Services.AddSingleton(sp => new Lifecycle.LifecycleService(
            sp.GetRequiredService<TokenManager>(),
            options,
            null,
            sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        Services.AddHostedService<LifecycleHostedService>();
        return this;
    }

    /// <summary>Changes the refresh options.</summary>
    public TokenkeeperBuilder Configure(Action<TokenManagerOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }
}
