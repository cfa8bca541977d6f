using System.Net;
using System.Text.Json;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class FaultTests
{
    [Fact]
    public async Task Fault503_IsAJsonTemporarilyUnavailable_AndIssuesNothing()
    {
        await using var sim = await StartWith("503");

        var reply = await sim.ClientCredentialsAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Status);
        Assert.Equal("temporarily_unavailable", reply.Error);
        await AssertCountedAsync(sim, "503", tokensIssued: 0);
    }

    [Fact]
    public async Task Fault500_IsAPlainTextBody()
    {
        await using var sim = await StartWith("500");

        var reply = await sim.ClientCredentialsAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
        Assert.Equal("text/plain", reply.MediaType);
        await AssertCountedAsync(sim, "500", tokensIssued: 0);
    }

    [Fact]
    public async Task Fault429_CarriesRetryAfter_DefaultOrNamed()
    {
        await using var sim = await StartWith("429:7s");

        var reply = await sim.ClientCredentialsAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), reply.Headers.RetryAfter!.Delta);
        await AssertCountedAsync(sim, "429", tokensIssued: 0);
    }

    [Fact]
    public async Task FaultDelay_WaitsOnTheInjectedClock_ThenProcessesNormally()
    {
        await using var sim = await StartWith("delay:2s");

        var pending = sim.ClientCredentialsAsync();
        await sim.WaitForPendingTimerAsync();
        Assert.False(pending.IsCompleted);
        sim.Clock.Advance(TimeSpan.FromSeconds(2));
        var reply = await pending;

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        await AssertCountedAsync(sim, "delay", tokensIssued: 1);
    }

    [Fact]
    public async Task FaultDropBefore_AbortsTheConnection_WithoutProcessing()
    {
        await using var sim = await StartWith("drop-before");
        var grant = await sim.GrantAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => sim.RefreshAsync(grant.RefreshToken!));
        sim.Options.FaultRate = 0;
        var retry = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal(HttpStatusCode.OK, retry.Status);
        await AssertCountedAsync(sim, "drop-before", tokensIssued: 2);
    }

    [Fact]
    public async Task FaultDropAfter_RotatesAndThenLosesTheResponse_SoTheOldTokenIsDead()
    {
        await using var sim = await StartWith("drop-after");
        var grant = await sim.GrantAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => sim.RefreshAsync(grant.RefreshToken!));
        sim.Options.FaultRate = 0;
        var retry = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal("invalid_grant", retry.Error);
        var listed = (await sim.GetAsync("sim/grants")).Json.GetProperty("grants")[0];
        Assert.Equal(1, listed.GetProperty("refresh_generation").GetInt32());
        await AssertCountedAsync(sim, "drop-after", tokensIssued: 2);
    }

    [Fact]
    public async Task FaultDropAfter_UnderGrace_TheRetryWithTheOldTokenRecovers()
    {
        await using var sim = await StartWith("drop-after", o => o.Rotation = RotationMode.Grace);
        var grant = await sim.GrantAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => sim.RefreshAsync(grant.RefreshToken!));
        sim.Options.FaultRate = 0;
        var retry = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("reuse_within_grace").GetInt64());
    }

    [Theory]
    [InlineData("html:502", HttpStatusCode.BadGateway)]
    [InlineData("html:200", HttpStatusCode.OK)]
    public async Task FaultHtml_AnswersAnHtmlPage(string fault, HttpStatusCode status)
    {
        await using var sim = await StartWith(fault);

        var reply = await sim.ClientCredentialsAsync();

        Assert.Equal(status, reply.Status);
        Assert.Equal("text/html", reply.MediaType);
        Assert.StartsWith("<!DOCTYPE html>", reply.Body, StringComparison.Ordinal);
        await AssertCountedAsync(sim, "html", tokensIssued: 0);
    }

    [Fact]
    public async Task FaultHtml_WithoutAStatus_PicksOneOf200And502()
    {
        await using var sim = await StartWith("html");

        var statuses = new HashSet<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            statuses.Add((await sim.ClientCredentialsAsync()).Status);
        }

        Assert.Subset(new HashSet<HttpStatusCode> { HttpStatusCode.OK, HttpStatusCode.BadGateway }, statuses);
    }

    [Fact]
    public async Task FaultTruncated_Is200WithACutOffJsonBody_AfterTheRefreshRotated()
    {
        await using var sim = await StartWith("truncated");
        var grant = await sim.GrantAsync();

        var reply = await sim.RefreshAsync(grant.RefreshToken!);
        sim.Options.FaultRate = 0;
        var retry = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.StartsWith("{\"access_token\":", reply.Body, StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(reply.Body));
        Assert.Equal("invalid_grant", retry.Error);
        await AssertCountedAsync(sim, "truncated", tokensIssued: 2);
    }

    [Fact]
    public async Task FaultErrorIn200_IsHttp200WithAnErrorBody_AndIssuesNothing()
    {
        await using var sim = await StartWith("error-in-200");

        var reply = await sim.ClientCredentialsAsync();

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("server_error", reply.Error);
        Assert.False(reply.Has("access_token"));
        await AssertCountedAsync(sim, "error-in-200", tokensIssued: 0);
    }

    [Fact]
    public async Task Faults_AreChosenUniformlyAndCountedPerKind()
    {
        await using var sim = await StartWith("503,500,error-in-200");

        for (var i = 0; i < 300; i++)
        {
            await sim.ClientCredentialsAsync();
        }

        var faults = (await sim.StatsAsync()).GetProperty("faults_injected");
        Assert.Equal(300, faults.GetProperty("total").GetInt64());
        foreach (var kind in new[] { "503", "500", "error-in-200" })
        {
            Assert.InRange(faults.GetProperty(kind).GetInt64(), 60, 140);
        }
    }

    [Fact]
    public async Task FaultRate_IsAProbability_AndTheSameSeedGivesTheSameSequence()
    {
        async Task<string> RunAsync(int seed)
        {
            await using var sim = await StartWith("503,500", o => (o.FaultRate, o.Seed) = (0.5, seed));
            var statuses = new List<int>();
            for (var i = 0; i < 40; i++)
            {
                statuses.Add((int)(await sim.ClientCredentialsAsync()).Status);
            }

            return string.Join(',', statuses);
        }

        var first = await RunAsync(7);
        var again = await RunAsync(7);
        var other = await RunAsync(8);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Contains("200", first, StringComparison.Ordinal);
        Assert.Contains("503", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FaultDials_ChangedAtRuntime_TakeEffectOnTheNextRequest()
    {
        await using var sim = await SimHarness.StartAsync();

        var before = await sim.ClientCredentialsAsync();
        sim.Options.Faults = ["503"];
        sim.Options.FaultRate = 1;
        var during = await sim.ClientCredentialsAsync();
        sim.Options.FaultRate = 0;
        var after = await sim.ClientCredentialsAsync();

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.Status);
        Assert.Equal(HttpStatusCode.OK, after.Status);
    }

    [Fact]
    public async Task ApiFault503_HitsTheResourceApi_NotTheTokenEndpoint()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.ApiFaultRate, o.ApiFaults) = (1, ["503"]));

        var token = await sim.ClientCredentialsAsync();
        var api = await sim.GetAsync("api/contacts?limit=1", token["access_token"]);

        Assert.Equal(HttpStatusCode.OK, token.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, api.Status);
        var stats = await sim.StatsAsync();
        Assert.Equal(1, stats.GetProperty("api_faults_injected").GetProperty("503").GetInt64());
        Assert.Equal(1, stats.GetProperty("faults_injected").GetProperty("503").GetInt64());
    }

    [Fact]
    public async Task ApiFault429_CarriesRetryAfter()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.ApiFaultRate, o.ApiFaults) = (1, ["429"]));
        var token = (await sim.ClientCredentialsAsync())["access_token"];

        var api = await sim.GetAsync("api/contacts", token);

        Assert.Equal(HttpStatusCode.TooManyRequests, api.Status);
        Assert.Equal(TimeSpan.FromSeconds(1), api.Headers.RetryAfter!.Delta);
    }

    [Fact]
    public async Task ApiFaultDropAfter_OnTheBatchEndpoint_StoresTheBatchAndLosesTheResponse()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.ApiFaultRate, o.ApiFaults) = (1, ["drop-after"]));
        var token = (await sim.ClientCredentialsAsync())["access_token"];

        await Assert.ThrowsAsync<HttpRequestException>(() => sim.PostJsonAsync("api/contacts/batch", """[{"id":"x1"},{"id":"x2"}]""", token, "key-1"));
        sim.Options.ApiFaultRate = 0;
        var retry = await sim.PostJsonAsync("api/contacts/batch", """[{"id":"x1"},{"id":"x2"}]""", token, "key-1");

        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        var stats = await sim.StatsAsync();
        Assert.Equal(2, stats.GetProperty("contacts_stored_distinct").GetInt64());
        Assert.Equal(2, stats.GetProperty("contacts_received").GetInt64());
        Assert.Equal(1, stats.GetProperty("duplicate_writes_absorbed").GetInt64());
    }

    private static Task<SimHarness> StartWith(string faults, Action<SimulatorOptions>? configure = null) => SimHarness.StartAsync(o =>
    {
        o.FaultRate = 1;
        o.Faults = [.. faults.Split(',')];
        configure?.Invoke(o);
    });

    private static async Task AssertCountedAsync(SimHarness sim, string kind, long tokensIssued)
    {
        var stats = await sim.StatsAsync();
        var faults = stats.GetProperty("faults_injected");
        Assert.True(faults.GetProperty(kind).GetInt64() >= 1, $"{kind} not counted");
        Assert.Equal(faults.GetProperty(kind).GetInt64(), faults.GetProperty("total").GetInt64());
        Assert.Equal(tokensIssued, stats.GetProperty("tokens_issued").GetProperty("total").GetInt64());
    }
}
