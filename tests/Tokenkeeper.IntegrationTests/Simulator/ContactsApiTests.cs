using System.Net;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class ContactsApiTests
{
    [Fact]
    public async Task Contacts_FirstPage_HasDefaultLimitDeterministicIdsAndACursor()
    {
        await using var sim = await SimHarness.StartAsync();
        var token = (await sim.GrantAsync("contacts:read")).AccessToken;

        var page = await sim.GetAsync("api/contacts", token);

        var items = page.Json.GetProperty("items");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(100, items.GetArrayLength());
        Assert.Equal("c-000001", items[0].GetProperty("id").GetString());
        Assert.Equal("c-000100", items[99].GetProperty("id").GetString());
        Assert.Equal(50000, page.Json.GetProperty("total").GetInt32());
        foreach (var field in new[] { "name", "email", "company", "updated_at" })
        {
            Assert.False(string.IsNullOrEmpty(items[0].GetProperty(field).GetString()));
        }
    }

    [Fact]
    public async Task Contacts_FollowingCursors_WalksTheWholeDatasetOnceAndEndsWithNull()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Contacts = 2500);
        var token = (await sim.GrantAsync()).AccessToken;

        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await sim.GetAsync($"api/contacts?limit=1000{(cursor is null ? string.Empty : "&cursor=" + cursor)}", token);
            ids.AddRange(page.Json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            cursor = page.Json.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(2500, ids.Count);
        Assert.Equal(2500, ids.Distinct().Count());
        Assert.Equal("c-002500", ids[^1]);
    }

    [Fact]
    public async Task Contacts_AreAFunctionOfTheSeed()
    {
        async Task<string> FirstPageAsync(int seed)
        {
            await using var sim = await SimHarness.StartAsync(o => o.Seed = seed);
            return (await sim.GetAsync("api/contacts?limit=20", (await sim.GrantAsync()).AccessToken)).Json.GetProperty("items").GetRawText();
        }

        Assert.Equal(await FirstPageAsync(3), await FirstPageAsync(3));
        Assert.NotEqual(await FirstPageAsync(3), await FirstPageAsync(4));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=1001")]
    [InlineData("limit=ten")]
    [InlineData("cursor=not-a-cursor!")]
    [InlineData("cursor=djE6OTk5OTk5")]
    public async Task Contacts_BadLimitOrCursor_Is400JsonError(string query)
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.GetAsync("api/contacts?" + query, (await sim.GrantAsync()).AccessToken);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.NotNull(reply.Error);
    }

    [Fact]
    public async Task Api_WithoutAToken_Is401WithABearerChallenge()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.GetAsync("api/contacts");

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("Bearer", reply.Headers.WwwAuthenticate.Single().Scheme);
        Assert.DoesNotContain("error=", reply.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_WithAnUnknownToken_Is401InvalidToken()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.GetAsync("api/contacts", "made-up");

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Contains("error=\"invalid_token\"", reply.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("unauthorized_served").GetInt64());
    }

    [Fact]
    public async Task Api_WithoutTheScope_Is403InsufficientScopeNamingIt()
    {
        await using var sim = await SimHarness.StartAsync();
        var readOnly = (await sim.GrantAsync("contacts:read")).AccessToken;

        var reply = await sim.PostJsonAsync("api/contacts/batch", """[{"id":"a"}]""", readOnly);

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        var challenge = reply.Headers.WwwAuthenticate.ToString();
        Assert.Contains("error=\"insufficient_scope\"", challenge, StringComparison.Ordinal);
        Assert.Contains("scope=\"contacts:write\"", challenge, StringComparison.Ordinal);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("forbidden_served").GetInt64());
    }

    [Fact]
    public async Task Batch_AsArrayOrRecords_IsStoredAndCounted()
    {
        await using var sim = await SimHarness.StartAsync();
        var token = (await sim.GrantAsync()).AccessToken;

        var array = await sim.PostJsonAsync("api/contacts/batch", """[{"id":"a","name":"A"},{"id":"b"}]""", token);
        var records = await sim.PostJsonAsync("api/contacts/batch", """{"records":[{"id":"b"},{"id":"c"}]}""", token);

        Assert.Equal("2", array["accepted"]);
        Assert.StartsWith("b-", array["batch_id"], StringComparison.Ordinal);
        Assert.NotEqual(array["batch_id"], records["batch_id"]);
        var stats = await sim.StatsAsync();
        Assert.Equal(4, stats.GetProperty("contacts_received").GetInt64());
        Assert.Equal(3, stats.GetProperty("contacts_stored_distinct").GetInt64());
    }

    [Fact]
    public async Task Batch_Of500_IsAccepted_AndOf501_Is400()
    {
        await using var sim = await SimHarness.StartAsync();
        var token = (await sim.GrantAsync()).AccessToken;

        var full = await sim.PostJsonAsync("api/contacts/batch", Batch(500), token);
        var over = await sim.PostJsonAsync("api/contacts/batch", Batch(501), token);

        Assert.Equal(HttpStatusCode.OK, full.Status);
        Assert.Equal(HttpStatusCode.BadRequest, over.Status);
        Assert.Equal("invalid_request", over.Error);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"id\":\"a\"}")]
    [InlineData("{\"items\":[]}")]
    [InlineData("[{\"name\":\"no id\"}]")]
    [InlineData("[{\"id\":\"\"}]")]
    [InlineData("[\"a\"]")]
    [InlineData("42")]
    public async Task Batch_Malformed_Is400JsonError(string body)
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.PostJsonAsync("api/contacts/batch", body, (await sim.GrantAsync()).AccessToken);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("invalid_request", reply.Error);
    }

    [Fact]
    public async Task Idempotency_SameKeyAndBody_ReturnsTheFirstResponseAndStoresNothingTwice()
    {
        await using var sim = await SimHarness.StartAsync();
        var token = (await sim.GrantAsync()).AccessToken;

        var first = await sim.PostJsonAsync("api/contacts/batch", """[{"id":"a","name":"A"}]""", token, "job-1-batch-1");
        var again = await sim.PostJsonAsync("api/contacts/batch", """[ { "name" : "A", "id" : "a" } ]""", token, "job-1-batch-1");

        Assert.Equal(first.Body, again.Body);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        var stats = await sim.StatsAsync();
        Assert.Equal(1, stats.GetProperty("contacts_received").GetInt64());
        Assert.Equal(1, stats.GetProperty("duplicate_writes_absorbed").GetInt64());
        Assert.Equal(1, stats.GetProperty("batches_stored").GetInt64());
    }

    [Fact]
    public async Task Idempotency_SameKeyDifferentBody_Is422()
    {
        await using var sim = await SimHarness.StartAsync();
        var token = (await sim.GrantAsync()).AccessToken;

        await sim.PostJsonAsync("api/contacts/batch", """[{"id":"a"}]""", token, "k");
        var conflict = await sim.PostJsonAsync("api/contacts/batch", """[{"id":"b"}]""", token, "k");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, conflict.Status);
        Assert.NotNull(conflict.Error);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("contacts_stored_distinct").GetInt64());
    }

    [Fact]
    public async Task Idempotency_ConcurrentDuplicates_StoreTheBatchOnce()
    {
        await using var sim = await SimHarness.StartAsync();
        var token = (await sim.GrantAsync()).AccessToken;

        var replies = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            Task.Run(() => sim.PostJsonAsync("api/contacts/batch", Batch(50), token, "same"))));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Single(replies.Select(r => r.Body).Distinct());
        var stats = await sim.StatsAsync();
        Assert.Equal(50, stats.GetProperty("contacts_received").GetInt64());
        Assert.Equal(9, stats.GetProperty("duplicate_writes_absorbed").GetInt64());
    }

    [Fact]
    public async Task RevokeRate_RevokesThePresentedAccessToken_ButNotTheGrant()
    {
        await using var sim = await SimHarness.StartAsync(o => o.RevokeRate = 1);
        var grant = await sim.GrantAsync();

        var api = await sim.GetAsync("api/contacts?limit=1", grant.AccessToken);
        var refresh = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal(HttpStatusCode.Unauthorized, api.Status);
        Assert.Equal("invalid_token", api.Error);
        Assert.Equal(HttpStatusCode.OK, refresh.Status);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("tokens_revoked_randomly").GetInt64());
    }

    [Fact]
    public async Task RevokeRate_IsAProbability()
    {
        await using var sim = await SimHarness.StartAsync(o => o.RevokeRate = 0.25);

        var revoked = 0;
        for (var i = 0; i < 200; i++)
        {
            var token = (await sim.ClientCredentialsAsync())["access_token"];
            if ((await sim.GetAsync("api/contacts?limit=1", token)).Status == HttpStatusCode.Unauthorized)
            {
                revoked++;
            }
        }

        Assert.InRange(revoked, 25, 75);
        Assert.Equal(revoked, (await sim.StatsAsync()).GetProperty("tokens_revoked_randomly").GetInt64());
    }

    private static string Batch(int count) =>
        "[" + string.Join(',', Enumerable.Range(1, count).Select(i => $$"""{"id":"n-{{i}}","name":"Contact {{i}}"}""")) + "]";
}
