using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Tokenkeeper.Broker.Audit;
using Tokenkeeper.Broker.Health;
using Tokenkeeper.Broker.Keys;
using Tokenkeeper.Broker.Management;
using Tokenkeeper.Broker.Tokens;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker.Hosting;

/// <summary>Builds the token service over a manager and its store: the token API, the audit, and health endpoints (docs/service.md).</summary>
internal static class BrokerApp
{
    /// <summary>The service, not yet started, listening on <paramref name="urls"/> (semicolon-separated; port 0 picks a free one).</summary>
    /// <param name="manager">The token manager over the store (single-flight, lease, compare-and-swap: the same engine as jobs).</param>
    /// <param name="store">The store (its keys, and <c>/readyz</c>).</param>
    /// <param name="urls">Where to listen.</param>
    /// <param name="configureLogging">How the host logs (the CLI's console settings).</param>
    /// <param name="trustedProxies">Reverse proxies whose <c>X-Forwarded-For</c> names the client (for the audit and the
    /// failed-attempt limit); from any other address the header is ignored. None: it is always ignored.</param>
    /// <param name="auditRetention">How long audit entries are kept (default <see cref="BrokerConstants.DefaultAuditRetention"/>).</param>
    public static WebApplication Build(TokenManager manager, ITokenStore store, string urls, Action<ILoggingBuilder>? configureLogging = null, IReadOnlyList<System.Net.IPAddress>? trustedProxies = null, TimeSpan? auditRetention = null)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var keys = store as IApiKeyStore ?? throw new TokenkeeperConfigurationException("This store keeps no token service keys; use the SQLite store.");
        var audit = store as IAuditStore ?? throw new TokenkeeperConfigurationException("This store keeps no audit; use the SQLite store.");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        builder.WebHost.UseUrls(urls);
        var time = manager.TimeProvider;
        builder.Services.AddSingleton(audit);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(new AuditRetention(auditRetention ?? BrokerConstants.DefaultAuditRetention));
        builder.Services.AddSingleton<AuditWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AuditWriter>());
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(BrokerConstants.ExportedMeters)
            .AddPrometheusExporter());
        var app = builder.Build();
        app.UseMiddleware<Problems.ProblemMiddleware>();
        if (trustedProxies is { Count: > 0 })
        {
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor };
            forwarded.KnownIPNetworks.Clear(); // only the configured proxies: not even loopback by default
            forwarded.KnownProxies.Clear();
            foreach (var proxy in trustedProxies)
            {
                forwarded.KnownProxies.Add(proxy);
            }

            app.UseForwardedHeaders(forwarded);
        }

        app.MapPrometheusScrapingEndpoint(BrokerConstants.MetricsPath);
        var writer = app.Services.GetRequiredService<AuditWriter>();
        var authenticator = new KeyAuthenticator(keys, new FailedAttemptLimiter(time));
        TokenEndpoints.Map(app, manager, authenticator, writer, time);
        AuditEndpoints.Map(app, audit, authenticator, writer, time);
        ManagementEndpoints.Map(app, manager, store, authenticator, time);
        HealthEndpoints.Map(app, store);
        return app;
    }
}
