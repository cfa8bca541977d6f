using System.Security.Cryptography;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Storage;

public sealed class ConnectionRecordSerializerTests
{
    [Fact]
    public void Serialize_ThenDeserialize_KeepsEveryField_AndNoSecretAppearsInTheJson()
    {
        using var protector = new AesGcmSecretProtector(RandomNumberGenerator.GetBytes(32));
        var record = StoreSamples.Record("crm") with
        {
            PendingRefresh = new RefreshIntent(3, "abcd1234", StoreSamples.Now, "host:1:x", ResponseLost: true),
            NextAttemptAt = StoreSamples.Now.AddMinutes(5),
            ConsecutiveFailures = 2,
            LastError = "token endpoint answered HTTP 503",
            WarnedDeadline = StoreSamples.Now.AddDays(90),
            ExpiryWarningsSent = [14, 7],
        };
        record = record.WithStatus(ConnectionState.Degraded, StateReasons.RefreshFailing, StoreSamples.Now, "503");

        var json = ConnectionRecordSerializer.Serialize(record, protector);
        var back = ConnectionRecordSerializer.Deserialize(json, 7, protector);

        foreach (var secret in StoreSamples.Secrets(record))
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }

        Assert.Equal(7, back.Version);
        Assert.Equal(record.Tokens, back.Tokens);
        Assert.Equal(record.Status, back.Status);
        Assert.Equal(record.PendingRefresh, back.PendingRefresh);
        Assert.Equal(record.History, back.History);
        Assert.True(record.Registration.SameAs(back.Registration));
        Assert.Equal(record.ExpiryWarningsSent, back.ExpiryWarningsSent);
        Assert.Equal(record with { Version = 7, History = back.History, Registration = back.Registration, ExpiryWarningsSent = back.ExpiryWarningsSent }, back);
    }

    [Fact]
    public void ADisabledRecord_KeepsTheStatusItWasDisabledFrom_AndARecordWrittenBeforeThatFieldExisted_StillLoads()
    {
        using var protector = new AesGcmSecretProtector(RandomNumberGenerator.GetBytes(32));
        var dead = StoreSamples.Record("crm").WithStatus(ConnectionState.ReconnectRequired, StateReasons.Revoked, StoreSamples.Now, "invalid_grant");
        var disabled = dead.WithStatus(ConnectionState.Disabled, StateReasons.DisabledByOperator, StoreSamples.Now.AddHours(1)) with { StatusBeforeDisabled = dead.Status };

        var back = ConnectionRecordSerializer.Deserialize(ConnectionRecordSerializer.Serialize(disabled, protector), 3, protector);

        // The same record as an older version wrote it: no such property at all.
        var old = System.Text.Json.Nodes.JsonNode.Parse(ConnectionRecordSerializer.Serialize(disabled, protector))!.AsObject();
        var property = Assert.Single(old, p => p.Key.Equals("StatusBeforeDisabled", StringComparison.OrdinalIgnoreCase) || p.Key == "status_before_disabled").Key;
        old.Remove(property);
        var fromOld = ConnectionRecordSerializer.Deserialize(old.ToJsonString(), 3, protector);

        Assert.Equal(dead.Status, back.StatusBeforeDisabled);
        Assert.Null(fromOld.StatusBeforeDisabled);
        Assert.Equal(disabled.Status, fromOld.Status);
        Assert.Equal(disabled.Tokens, fromOld.Tokens);
    }
}

internal static class StoreSamples
{
    public static readonly DateTimeOffset Now = new(2026, 5, 1, 2, 0, 0, TimeSpan.Zero);

    public static ConnectionRecord Record(string id, string refresh = "refresh-secret-1") => new()
    {
        ConnectionId = id,
        Registration = new ConnectionRegistration
        {
            Provider = "xero",
            TokenEndpoint = new Uri("https://identity.example/connect/token"),
            ClientId = "client-1",
            ClientSecret = new ClientSecret("client-secret-value"),
            ClientAuthMethod = ClientAuthMethod.ClientSecretPost,
            Scope = "contacts:read offline_access",
            ExtraParameters = new Dictionary<string, string> { ["tenant"] = "t1" },
        },
        Tokens = new TokenSet
        {
            AccessToken = new AccessToken("access-secret-" + id),
            RefreshToken = new RefreshToken(refresh),
            Scope = "contacts:read",
            IssuedAt = Now,
            ExpiresAt = Now.AddMinutes(30),
            ExpirySource = ExpirySource.ExpiresIn,
            RefreshTokenExpiresAt = Now.AddDays(60),
            ServerClockSkew = TimeSpan.FromSeconds(3),
        },
        Status = new ConnectionStatus(ConnectionState.Active, StateReasons.Authorized, Now),
        CreatedAt = Now,
        AuthorizedAt = Now,
        LastRefreshAt = Now,
        RefreshTokenGeneration = 1,
    };

    public static IEnumerable<string> Secrets(ConnectionRecord record) =>
    [
        record.Tokens!.AccessToken.Value,
        record.Tokens.RefreshToken!.Value.Value,
        record.Registration.ClientSecret!.Value.Value,
    ];
}
