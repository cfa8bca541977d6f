using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Hosting;

/// <summary>Registers Tokenkeeper in a service collection.</summary>
public static class TokenkeeperServiceCollectionExtensions
{
    /// <summary>The named <see cref="HttpClient"/> Tokenkeeper uses for token endpoints (no redirects, no cookies).</summary>
    public const string TokenEndpointClientName = "Tokenkeeper.TokenEndpoint";

    /// <summary>
    /// Adds the <see cref="TokenManager"/> and what it needs (and, for a generic host, <see cref="TokenManagerHostedService"/>,
    /// which stops it with the host without abandoning a refresh in flight). Choose a store next (<c>UseSqliteStore</c> from
    /// Tokenkeeper.Sqlite, or <see cref="TokenkeeperBuilder.UseInMemoryStore"/>), then declare connections.
    /// </summary>
    public static TokenkeeperBuilder AddTokenkeeper(this IServiceCollection services, Action<TokenManagerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TokenManagerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new TokenkeeperMetrics(sp.GetService<IMeterFactory>()));
        services.AddHttpClient(TokenEndpointClientName).ConfigurePrimaryHttpMessageHandler(TokenEndpointClient.CreateDefaultHandler);
        services.TryAddSingleton(sp => new TokenEndpointClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(TokenEndpointClientName),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new TokenManager(
            sp.GetService<ITokenStore>() ?? throw new TokenkeeperConfigurationException("Tokenkeeper has no token store: call UseSqliteStore(…) (Tokenkeeper.Sqlite) or UseInMemoryStore() after AddTokenkeeper()."),
            sp.GetRequiredService<TokenEndpointClient>(),
            sp.GetRequiredService<IOptions<TokenManagerOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<TokenkeeperMetrics>(),
            sp.GetServices<ConnectionDefinition>()));

        // With a generic host, stopping it finishes refreshes in flight before the container is disposed.
        services.AddHostedService<TokenManagerHostedService>();
        return new TokenkeeperBuilder(services);
    }
}
