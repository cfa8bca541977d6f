using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Hosting;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.IntegrationTests.Engine;

/// <summary>
/// The <c>Tokenkeeper</c> meter and activity source by name, as an application wired with <c>AddTokenkeeper</c> and
/// <c>AddMetrics</c> sees them through <see cref="MeterListener"/> and <see cref="ActivityListener"/>: the instruments, their
/// types, units and tag keys are exactly those docs/engine.md lists, and real work against the simulator — a refresh, a
/// single-flight join, a lease wait, an HTTP retry, a 401 replay, an assumed expiry and a failed refresh — reports under them.
/// </summary>
public sealed class TelemetryTests
{
    private const string Id = "telemetry-crm";
    private const string ApiClientName = "telemetry-api";
    private static readonly TimeSpan AccessTtl = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan EndpointDelay = TimeSpan.FromSeconds(5);

    /// <summary>docs/engine.md, "Diagnostics": every instrument, its type, unit and tag keys.</summary>
    private static readonly Dictionary<string, (Type Type, string? Unit, string[] Tags)> Documented = new()
    {
        ["tokenkeeper.refreshes"] = (typeof(Counter<long>), null, ["connection", "trigger", "outcome"]),
        ["tokenkeeper.singleflight.joins"] = (typeof(Counter<long>), null, ["connection"]),
        ["tokenkeeper.auth.replays"] = (typeof(Counter<long>), null, ["connection", "outcome"]),
        ["tokenkeeper.store.commit_conflicts"] = (typeof(Counter<long>), null, ["connection", "conflict"]),
        ["tokenkeeper.token_endpoint.duration"] = (typeof(Histogram<double>), "s", ["grant", "outcome"]),
        ["tokenkeeper.token.remaining_lifetime"] = (typeof(Histogram<double>), "s", ["connection"]),
        ["tokenkeeper.expiry.defaulted"] = (typeof(Counter<long>), null, ["source"]),
        ["tokenkeeper.http.retries"] = (typeof(Counter<long>), null, ["connection"]),
        ["tokenkeeper.lease.waits"] = (typeof(Counter<long>), null, ["connection"]),
        ["tokenkeeper.token_endpoint.retries"] = (typeof(Counter<long>), null, ["connection"]),
        ["tokenkeeper.introspections"] = (typeof(Counter<long>), null, ["connection", "answer"]),
    };

    /// <summary>docs/engine.md, "Diagnostics": the tags of the <c>tokenkeeper.refresh</c> activity.</summary>
    private static readonly string[] ActivityTags = ["tokenkeeper.connection", "tokenkeeper.trigger", "tokenkeeper.outcome"];

    [Fact]
    public async Task MeterAndActivitySource_ReportUnderTheDocumentedNamesUnitsAndTags()
    {
        await using var h = await EngineHarness.StartAsync(new SimulatorOptions { AccessTtl = AccessTtl, Rotation = RotationMode.Rotate, Seed = 17 });
        var (definition, _) = await h.NewConnectionAsync(Id);
        var store = h.OpenStore();
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddSingleton<TimeProvider>(h.Clock);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(h.Logs));
        services.AddTokenkeeper(o => o.MaxAttempts = 1).UseStore(_ => store);
        services.AddSingleton(definition);
        services.AddHttpClient(TokenkeeperServiceCollectionExtensions.TokenEndpointClientName).AddHttpMessageHandler(() => h.RecordTokenResponses());
        services.AddHttpClient(ApiClientName, c => c.BaseAddress = h.Simulator.BaseAddress)
            .AddTokenkeeperHandler(Id, o => (o.MaxRetries, o.RetryBaseDelay, o.RetryMaxDelay) = (1, TimeSpan.Zero, TimeSpan.Zero))
            .AddHttpMessageHandler(() => h.RecordBearerTokens());
        await using var provider = services.BuildServiceProvider();
        var meters = provider.GetRequiredService<IMeterFactory>();

        // The meter named Tokenkeeper of this application (scoped to its factory): other tests' managers report to meters of the
        // same name, and the factory also holds the HTTP stack's meters.
        var published = new ConcurrentDictionary<string, Instrument>();
        var measured = new ConcurrentQueue<Measured>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Meter.Name == TokenkeeperTelemetry.Name)
                {
                    published[instrument.Name] = instrument;
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measured.Enqueue(new Measured(instrument.Name, value, TagsOf(tags))));
        meterListener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measured.Enqueue(new Measured(instrument.Name, value, TagsOf(tags))));
        meterListener.Start();
        var activities = new ConcurrentQueue<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TokenkeeperTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("tokenkeeper.connection") as string == Id)
                {
                    activities.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(activityListener);

        var manager = provider.GetRequiredService<TokenManager>();
        var api = provider.GetRequiredService<IHttpClientFactory>().CreateClient(ApiClientName);

        // A refresh (the first token), then a token served from the cache (remaining lifetime at use).
        await AssertStatusAsync(api, HttpStatusCode.OK);
        await AssertStatusAsync(api, HttpStatusCode.OK);

        // A refresh held at the token endpoint: a second caller joins it, a peer instance waits for its lease and adopts.
        h.Simulator.Options.Faults = [$"delay:{EndpointDelay.TotalSeconds}s"];
        h.Simulator.Options.FaultRate = 1;
        await using var peer = new TokenManager(store, new TokenEndpointClient(new HttpClient(h.RecordTokenResponses(TokenEndpointClient.CreateDefaultHandler())), h.Clock), new TokenManagerOptions(), h.Clock, null, new TokenkeeperMetrics(meters));
        var held = manager.RefreshAsync(Id);
        await Waits.UntilAsync(() => h.Simulator.GetStats().FaultsInjected.GetValueOrDefault("delay") == 1, "the refresh to be held at the token endpoint");
        var joined = manager.RefreshAsync(Id);
        var waiting = peer.RefreshAsync(Id);
        await Waits.UntilAsync(() => peer.Metrics.LeaseWaits > 0, "the peer to wait for the lease");
        await h.RunClockAsync(Task.WhenAll(held, joined, waiting), TimeSpan.FromMilliseconds(250));
        h.Simulator.Options.FaultRate = 0;
        Assert.Equal((await held).Token, (await waiting).Token);

        // A resource request retried once after a 503.
        h.Simulator.Options.ApiFaults = ["503"];
        h.Simulator.Options.ApiFaultRate = 1;
        await AssertStatusAsync(api, HttpStatusCode.ServiceUnavailable);
        h.Simulator.Options.ApiFaultRate = 0;

        // A 401 for a token the provider revoked: one forced refresh, one replay.
        var revoked = await manager.GetAccessTokenAsync(Id);
        var client = new ClientIdentity { ClientId = EngineHarness.ClientId, Secret = new ClientSecret(EngineHarness.ClientSecret) };
        using (var revocationHttp = new HttpClient())
        {
            Assert.Null(await new TokenEndpointClient(revocationHttp, h.Clock).RevokeAsync(new Uri(h.Simulator.BaseAddress, "oauth/revoke"), client, revoked.Token.Value, "access_token"));
        }

        await AssertStatusAsync(api, HttpStatusCode.OK);

        // A response without expires_in (the default lifetime is assumed), then a refresh that fails.
        h.Simulator.Options.ExpiresIn = ExpiresInStyle.Omit;
        await manager.RefreshAsync(Id);
        h.Simulator.Options.ExpiresIn = ExpiresInStyle.Number;
        h.Simulator.Options.Faults = ["503"];
        h.Simulator.Options.FaultRate = 1;
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => manager.RefreshAsync(Id));
        h.Simulator.Options.FaultRate = 0;

        // Names, types, units: exactly the documented set, on the meter named Tokenkeeper.
        Assert.Equal("Tokenkeeper", TokenkeeperTelemetry.Name);
        Assert.Equal(Documented.Keys.Order(StringComparer.Ordinal), published.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, instrument) in published)
        {
            Assert.Equal(Documented[name].Type, instrument.GetType());
            Assert.Equal(Documented[name].Unit, instrument.Unit);
            Assert.False(string.IsNullOrWhiteSpace(instrument.Description), $"{name} has no description");
        }

        // Tag keys: exactly the documented ones on every measurement (a failed refresh cycle adds its cause), never a token
        // among the values.
        var all = measured.ToArray();
        foreach (var m in all)
        {
            var failedCycle = m.Name == "tokenkeeper.refreshes" && m.Tags["outcome"] is not ("success" or "adopted");
            Assert.Equal(Documented[m.Name].Tags.Concat(failedCycle ? ["cause"] : []).Order(StringComparer.Ordinal), m.Tags.Keys.Order(StringComparer.Ordinal));
            Assert.All(m.Tags.Values, value => Assert.False(h.SeenSecrets.ContainsKey(value as string ?? ""), $"{m.Name} carries a token in a tag"));
        }

        var refreshes = Of(all, "tokenkeeper.refreshes");
        Assert.All(refreshes, m => Assert.Equal(Id, m.Tags["connection"]));
        Assert.Equal("provider", Assert.Single(refreshes, m => (string?)m.Tags["outcome"] == "transient").Tags["cause"]);
        Assert.Equal(
            new[] { "no_token/success", "forced/success", "forced/adopted", "rejected/success", "forced/success", "forced/transient" }.Order(StringComparer.Ordinal),
            refreshes.Select(m => $"{m.Tags["trigger"]}/{m.Tags["outcome"]}").Order(StringComparer.Ordinal));
        Assert.Equal(Id, Assert.Single(Of(all, "tokenkeeper.singleflight.joins")).Tags["connection"]);
        Assert.Equal("new_token", Assert.Single(Of(all, "tokenkeeper.auth.replays")).Tags["outcome"]);
        Assert.Equal(Id, Assert.Single(Of(all, "tokenkeeper.http.retries")).Tags["connection"]);
        Assert.All(Of(all, "tokenkeeper.lease.waits"), m => Assert.Equal(Id, m.Tags["connection"]));
        Assert.NotEmpty(Of(all, "tokenkeeper.lease.waits"));
        Assert.Equal("default", Assert.Single(Of(all, "tokenkeeper.expiry.defaulted")).Tags["source"]);

        // Histograms in seconds on the injected clock: the held request took the endpoint's delay; tokens live ten minutes.
        var durations = Of(all, "tokenkeeper.token_endpoint.duration");
        Assert.All(durations, m => Assert.Equal("refresh_token", m.Tags["grant"]));
        Assert.Equal(4, durations.Count(m => (string?)m.Tags["outcome"] == "success"));
        Assert.Single(durations, m => (string?)m.Tags["outcome"] == "transient");
        Assert.Single(durations, m => m.Value >= EndpointDelay.TotalSeconds && m.Value < EndpointDelay.TotalSeconds * 2);
        var remaining = Of(all, "tokenkeeper.token.remaining_lifetime");
        Assert.NotEmpty(remaining);
        Assert.All(remaining, m => Assert.InRange(m.Value, 1, AccessTtl.TotalSeconds));

        // One activity per refresh cycle (a join starts none), with the documented tags; the failed one carries an error status.
        var cycles = activities.ToArray();
        Assert.Equal(refreshes.Length, cycles.Length);
        Assert.All(cycles, a =>
        {
            Assert.Equal("tokenkeeper.refresh", a.OperationName);
            Assert.Equal("Tokenkeeper", a.Source.Name);
            Assert.All(a.TagObjects, tag => Assert.Contains(tag.Key, ActivityTags));
        });
        Assert.Equal(4, cycles.Count(a => a.GetTagItem("tokenkeeper.outcome") as string == "success"));
        var failed = Assert.Single(cycles, a => a.Status == ActivityStatusCode.Error);
        Assert.Equal("forced", failed.GetTagItem("tokenkeeper.trigger"));
        Assert.Equal(nameof(TokenEndpointUnavailableException), failed.StatusDescription);

        h.AssertNoSecretLeaked();
    }

    private static async Task AssertStatusAsync(HttpClient api, HttpStatusCode expected)
    {
        using var response = await api.GetAsync("api/contacts?limit=1");
        Assert.Equal(expected, response.StatusCode);
    }

    private static Measured[] Of(Measured[] all, string name) => [.. all.Where(m => m.Name == name)];

    private static Dictionary<string, object?> TagsOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            result[key] = value;
        }

        return result;
    }

    private sealed record Measured(string Name, double Value, Dictionary<string, object?> Tags);
}
