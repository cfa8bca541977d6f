using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Storage;

/// <summary>
/// A store written by older code opens, reads and refreshes with today's. <c>Fixtures/store-v1.db</c> (and the kept tokens
/// beside it) was written by the code on main when issue 12 was filed (commit d7418c6), by <c>Fixtures/write-store-v1.cs</c>:
/// two connections covering every stored field, kept tokens, an outbox event and a sync checkpoint.
/// </summary>
public sealed class StoreFixtureTests : IDisposable
{
    private static readonly DateTimeOffset WrittenAt = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] FixtureKey = Convert.FromBase64String("dG9rZW5rZWVwZXItc3RvcmUtZml4dHVyZS1rZXktMDE=");

    private readonly TempSqlite _sqlite = new(FixtureKey);
    private readonly ManualTimeProvider _clock = new(WrittenAt.AddMinutes(5));

    public StoreFixtureTests()
    {
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Storage", "Fixtures");
        File.Copy(Path.Combine(fixtures, "store-v1.db"), _sqlite.StorePath);
        var kept = Directory.CreateDirectory(_sqlite.StorePath + ".kept");
        foreach (var file in Directory.GetFiles(Path.Combine(fixtures, "store-v1.db.kept")))
        {
            File.Copy(file, Path.Combine(kept.FullName, Path.GetFileName(file)));
        }
    }

    [Fact]
    public async Task A_connection_reads_back_field_for_field()
    {
        var store = Open();

        var crm = await store.GetAsync("crm");

        Assert.NotNull(crm);
        var registration = crm.Registration;
        Assert.Equal("generic", registration.Provider);
        Assert.Equal(new Uri("https://provider.test/oauth/token"), registration.TokenEndpoint);
        Assert.Equal(new Uri("https://provider.test/oauth/revoke"), registration.RevocationEndpoint);
        Assert.Equal(new Uri("https://provider.test/oauth/introspect"), registration.IntrospectionEndpoint);
        Assert.Equal(RefreshTokenRotation.Rotating, registration.Rotation);
        Assert.Equal(TimeSpan.FromSeconds(30), registration.RotationGrace);
        Assert.Equal("fixture-client", registration.ClientId);
        Assert.Equal("fixture-client-secret", registration.ClientSecret?.Value);
        Assert.Equal(ClientAuthMethod.ClientSecretPost, registration.ClientAuthMethod);
        Assert.Equal(OAuthGrantType.RefreshToken, registration.Grant);
        Assert.Equal("contacts:read contacts:write", registration.Scope);
        Assert.Equal("https://api.provider.test", registration.Audience);
        Assert.Equal("acme", Assert.Contains("tenant", registration.ExtraParameters!));

        var tokens = crm.Tokens!;
        Assert.Equal("fixture-access-1", tokens.AccessToken.Value);
        Assert.Equal("fixture-refresh-1", tokens.RefreshToken?.Value);
        Assert.Equal(WrittenAt.AddHours(1), tokens.ExpiresAt);
        Assert.Equal(Tokenkeeper.Tokens.ExpirySource.ExpiresIn, tokens.ExpirySource);
        Assert.Equal(WrittenAt.AddDays(90), tokens.RefreshTokenExpiresAt);
        Assert.Equal("https://acme.provider.test", tokens.InstanceUrl);

        Assert.Equal(new ConnectionStatus(ConnectionState.Active, "refreshed", WrittenAt), crm.Status);
        Assert.Equal(3, crm.RefreshTokenGeneration);
        Assert.Equal("3f1c2a", crm.BootstrapHash);
        Assert.Equal(WrittenAt.AddDays(90), crm.WarnedDeadline);
        Assert.Equal([14], crm.ExpiryWarningsSent);
        var transition = Assert.Single(crm.History);
        Assert.Equal((ConnectionState.PendingAuthorization, ConnectionState.Active, "authorized"), (transition.From, transition.To, transition.Reason));
    }

    [Fact]
    public async Task A_degraded_connection_with_an_intent_in_doubt_and_kept_tokens_reads_back()
    {
        var store = Open();

        var erp = await store.GetAsync("erp");
        var kept = await store.GetKeptAsync("erp");

        Assert.NotNull(erp);
        Assert.Equal(OAuthGrantType.ClientCredentials, erp.Registration.Grant);
        Assert.Equal(ClientAuthMethod.PrivateKeyJwt, erp.Registration.ClientAuthMethod);
        Assert.Contains("fixture", erp.Registration.SigningKeyPem?.Value, StringComparison.Ordinal);
        Assert.Equal("kid-1", erp.Registration.SigningKeyId);
        Assert.Equal(ConnectionState.Degraded, erp.Status.State);
        Assert.Equal("503 from the token endpoint", erp.Status.Detail);
        Assert.Equal(2, erp.ConsecutiveFailures);
        Assert.Equal(WrittenAt.AddMinutes(1), erp.NextAttemptAt);
        Assert.Equal(new RefreshIntent(1, "fp-erp", WrittenAt, "host-a/1", ResponseLost: true, InFlightUntil: WrittenAt.AddSeconds(35)), erp.PendingRefresh);
        Assert.Equal(ConnectionState.Active, erp.StatusBeforeDisabled?.State);
        Assert.NotNull(kept);
        Assert.Equal("fixture-kept-access", kept.Tokens.AccessToken.Value);
        Assert.Equal("fixture-kept-refresh", kept.Tokens.RefreshToken?.Value);
        Assert.Equal((1, "sha256-of-spent", "host-a/1"), (kept.SpentGeneration, kept.SpentRefreshTokenHash, kept.KeptBy));
    }

    [Fact]
    public async Task Its_outbox_and_checkpoints_read_back()
    {
        var store = Open();

        var entry = Assert.Single(await store.ReadAsync("crm"));
        var checkpoint = await store.GetCheckpointAsync("nightly");

        Assert.Equal("connection.authorized", entry.Event.Type);
        Assert.Equal("abc123", Assert.Contains("fingerprint", entry.Event.Data!));
        Assert.NotNull(checkpoint);
        Assert.Equal("{\"cursor\":\"page-7\",\"batch\":42}", checkpoint.Payload);
    }

    [Fact]
    public async Task A_connection_refreshes_with_the_rotated_token_it_holds_and_the_commit_reads_back()
    {
        var provider = new InMemoryProvider(_clock);
        provider.Accept("fixture-refresh-1");
        _clock.SetUtcNow(WrittenAt.AddHours(2)); // the stored access token expired an hour ago
        using var http = new HttpClient(provider, disposeHandler: false);
        await using (var manager = new TokenManager(Open(), new TokenEndpointClient(http, _clock, TimeSpan.FromDays(1)), new TokenManagerOptions { RefreshAheadJitter = 0 }, _clock))
        {
            var token = await ClockDriver.DriveAsync(_clock, manager.GetAccessTokenAsync("crm").AsTask());

            Assert.NotEqual("fixture-access-1", token.Token.Value);
        }

        Assert.Equal(["fixture-refresh-1"], provider.PresentedRefreshTokens);
        var after = await Open().GetAsync("crm");
        Assert.NotNull(after);
        Assert.Equal(4, after.RefreshTokenGeneration);
        Assert.NotEqual("fixture-refresh-1", after.Tokens?.RefreshToken?.Value);
        Assert.Equal("fixture-client-secret", after.Registration.ClientSecret?.Value);
        Assert.Equal(ConnectionState.Active, after.Status.State);
    }

    public void Dispose() => _sqlite.Dispose();

    private SqliteTokenStore Open() => _sqlite.Open(_clock);
}
