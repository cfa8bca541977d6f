// Writes store-v1.db: a SQLite store as the code on main wrote it when issue 12 was filed (commit d7418c6), so later code
// is tested against real old files (StoreFixtureTests). Not compiled into the tests (see the csproj). To rewrite it:
//   git worktree add /tmp/tk-d7418c6 d7418c6
//   cp tests/Tokenkeeper.Tests/Storage/Fixtures/write-store-v1.cs /tmp/tk-d7418c6/
//   (cd /tmp/tk-d7418c6 && dotnet run write-store-v1.cs -- "$PWD/tests/Tokenkeeper.Tests/Storage/Fixtures")
// The key, tokens and secrets in it are made up for this fixture and open nothing.
#:project src/Tokenkeeper.Sqlite/Tokenkeeper.Sqlite.csproj
#:property TreatWarningsAsErrors=false
#:property GenerateDocumentationFile=false
using Microsoft.Data.Sqlite;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

var folder = args[0];
var path = Path.Combine(folder, "store-v1.db");
File.Delete(path);
var key = Convert.FromBase64String("dG9rZW5rZWVwZXItc3RvcmUtZml4dHVyZS1rZXktMDE=");
using var protector = new AesGcmSecretProtector(key);
var at = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

using (var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = path, Protector = protector }))
{
    var crm = new ConnectionRecord
    {
        ConnectionId = "crm",
        Registration = new ConnectionRegistration
        {
            Provider = "generic",
            TokenEndpoint = new Uri("https://provider.test/oauth/token"),
            RevocationEndpoint = new Uri("https://provider.test/oauth/revoke"),
            IntrospectionEndpoint = new Uri("https://provider.test/oauth/introspect"),
            Rotation = RefreshTokenRotation.Rotating,
            RotationGrace = TimeSpan.FromSeconds(30),
            ClientId = "fixture-client",
            ClientSecret = new ClientSecret("fixture-client-secret"),
            ClientAuthMethod = ClientAuthMethod.ClientSecretPost,
            Grant = OAuthGrantType.RefreshToken,
            Scope = "contacts:read contacts:write",
            Audience = "https://api.provider.test",
            ExtraParameters = new Dictionary<string, string> { ["tenant"] = "acme" },
        },
        Tokens = new TokenSet
        {
            AccessToken = new AccessToken("fixture-access-1"),
            RefreshToken = new RefreshToken("fixture-refresh-1"),
            Scope = "contacts:read contacts:write",
            IssuedAt = at,
            ExpiresAt = at.AddHours(1),
            ExpirySource = ExpirySource.ExpiresIn,
            RefreshTokenExpiresAt = at.AddDays(90),
            InstanceUrl = "https://acme.provider.test",
        },
        Status = new ConnectionStatus(ConnectionState.Active, "refreshed", at),
        CreatedAt = at.AddDays(-10),
        AuthorizedAt = at.AddDays(-10),
        LastRefreshAt = at,
        LastAttemptAt = at,
        RefreshTokenGeneration = 3,
        BootstrapHash = "3f1c2a",
        WarnedDeadline = at.AddDays(90),
        ExpiryWarningsSent = [14],
        History = [new StateTransition(at.AddDays(-10), ConnectionState.PendingAuthorization, ConnectionState.Active, "authorized")],
    };
    await store.GetOrCreateAsync(crm, [new() { ConnectionId = "crm", Type = "connection.authorized", OccurredAt = at.AddDays(-10), State = "active", Reason = "authorized", Data = new Dictionary<string, string> { ["fingerprint"] = "abc123" } }]);

    var erp = new ConnectionRecord
    {
        ConnectionId = "erp",
        Registration = new ConnectionRegistration
        {
            TokenEndpoint = new Uri("https://erp.test/token"),
            ClientId = "erp-client",
            SigningKeyPem = new ClientSecret("-----BEGIN PRIVATE KEY-----\nfixture\n-----END PRIVATE KEY-----"),
            SigningKeyId = "kid-1",
            ClientAuthMethod = ClientAuthMethod.PrivateKeyJwt,
            Grant = OAuthGrantType.ClientCredentials,
        },
        Tokens = new TokenSet { AccessToken = new AccessToken("fixture-erp-access"), IssuedAt = at, ExpiresAt = at.AddMinutes(30), ExpirySource = ExpirySource.Default },
        Status = new ConnectionStatus(ConnectionState.Degraded, "token_endpoint_unavailable", at, "503 from the token endpoint"),
        CreatedAt = at.AddDays(-1),
        ConsecutiveFailures = 2,
        LastError = "HTTP 503",
        NextAttemptAt = at.AddMinutes(1),
        PendingRefresh = new RefreshIntent(1, "fp-erp", at, "host-a/1", ResponseLost: true, InFlightUntil: at.AddSeconds(35)),
        StatusBeforeDisabled = new ConnectionStatus(ConnectionState.Active, "authorized", at.AddDays(-1)),
    };
    await store.GetOrCreateAsync(erp);
    await store.SaveKeptAsync(new KeptTokens
    {
        ConnectionId = "erp",
        Tokens = new TokenSet { AccessToken = new AccessToken("fixture-kept-access"), RefreshToken = new RefreshToken("fixture-kept-refresh"), IssuedAt = at, ExpiresAt = at.AddHours(1) },
        SpentGeneration = 1,
        SpentRefreshTokenHash = "sha256-of-spent",
        KeptAt = at,
        KeptBy = "host-a/1",
    });
    await store.CommitCheckpointAsync("nightly", "{\"cursor\":\"page-7\",\"batch\":42}", 0);
}

SqliteConnection.ClearAllPools(); // close every pooled connection, so the WAL is folded into the file
foreach (var extra in new[] { path + "-wal", path + "-shm" })
{
    if (File.Exists(extra)) throw new InvalidOperationException($"{extra} is still there");
}

Console.WriteLine($"wrote {path}");
