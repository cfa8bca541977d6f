using System.Security.Cryptography;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

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

    // Stores hold what older versions wrote and newer versions read: the exact JSON is a compatibility contract. These pin it
    // byte for byte (a protector that marks instead of encrypting keeps the output fixed).
    [Fact]
    public void ARecordWithEveryFieldSet_IsWrittenAsExactlyTheSameJson()
    {
        var record = StoreSamples.Record("crm") with
        {
            Registration = StoreSamples.Record("crm").Registration with
            {
                RevocationEndpoint = new Uri("https://identity.example/connect/revoke"),
                IntrospectionEndpoint = new Uri("https://identity.example/connect/introspect"),
                Rotation = RefreshTokenRotation.Rotating,
                RotationGrace = TimeSpan.FromSeconds(30),
                SigningKeyPem = new ClientSecret("pem-value"),
                SigningKeyId = "kid-1",
                Grant = OAuthGrantType.JwtBearer,
                JwtBearerSubject = "user-7",
                Resource = "https://api.example/",
                Audience = "api://crm",
                AllowInsecureHttp = true,
            },
            PendingRefresh = new RefreshIntent(3, "abcd1234", StoreSamples.Now, "host:1:x", ResponseLost: true),
            NextAttemptAt = StoreSamples.Now.AddMinutes(5),
            ConsecutiveFailures = 2,
            LastError = "token endpoint answered HTTP 503",
            ExpiryWarningsSent = [14, 7],
            LastAttemptAt = StoreSamples.Now.AddMinutes(1),
            BootstrapHash = "b00t",
            WarnedDeadline = StoreSamples.Now.AddDays(90),
            StatusBeforeDisabled = new ConnectionStatus(ConnectionState.Active, StateReasons.Authorized, StoreSamples.Now),
        };
        record = record.WithStatus(ConnectionState.Degraded, StateReasons.RefreshFailing, StoreSamples.Now, "503");

        var json = ConnectionRecordSerializer.Serialize(record, new MarkingProtector());

        Assert.Equal(
            """
            {"format":1,"id":"crm","registration":{"provider":"xero","token_endpoint":"https://identity.example/connect/token","revocation_endpoint":"https://identity.example/connect/revoke","introspection_endpoint":"https://identity.example/connect/introspect","rotation":"Rotating","rotation_grace":"00:00:30","client_id":"client-1","client_secret":"enc(crm/client_secret:client-secret-value)","signing_key_pem":"enc(crm/signing_key:pem-value)","signing_key_id":"kid-1","client_auth_method":"ClientSecretPost","grant":"JwtBearer","jwt_bearer_subject":"user-7","scope":"contacts:read offline_access","resource":"https://api.example/","audience":"api://crm","extra_parameters":{"tenant":"t1"},"allow_insecure_http":true},"tokens":{"access_token":"enc(crm/access_token:access-secret-crm)","token_type":"Bearer","refresh_token":"enc(crm/refresh_token:refresh-secret-1)","scope":"contacts:read","issued_at":"2026-05-01T02:00:00+00:00","expires_at":"2026-05-01T02:30:00+00:00","expiry_source":"ExpiresIn","refresh_token_expires_at":"2026-06-30T02:00:00+00:00","server_clock_skew":"00:00:03"},"status":{"state":"Degraded","reason":"refresh_failing","since":"2026-05-01T02:00:00+00:00","detail":"503","is_usable":true},"created_at":"2026-05-01T02:00:00+00:00","authorized_at":"2026-05-01T02:00:00+00:00","last_refresh_at":"2026-05-01T02:00:00+00:00","last_attempt_at":"2026-05-01T02:01:00+00:00","consecutive_failures":2,"last_error":"token endpoint answered HTTP 503","next_attempt_at":"2026-05-01T02:05:00+00:00","refresh_token_generation":1,"pending_refresh":{"generation":3,"refresh_token_fingerprint":"abcd1234","started_at":"2026-05-01T02:00:00+00:00","owner":"host:1:x","response_lost":true},"bootstrap_hash":"b00t","warned_deadline":"2026-07-30T02:00:00+00:00","expiry_warnings_sent":[14,7],"status_before_disabled":{"state":"Active","reason":"authorized","since":"2026-05-01T02:00:00+00:00","is_usable":true},"history":[{"at":"2026-05-01T02:00:00+00:00","from":"Active","to":"Degraded","reason":"refresh_failing","detail":"503"}]}
            """,
            json);
    }

    [Fact]
    public void KeptTokens_AreWrittenAsExactlyTheSameJson()
    {
        var kept = new KeptTokens
        {
            ConnectionId = "crm",
            Tokens = StoreSamples.Record("crm").Tokens!,
            SpentGeneration = 4,
            SpentRefreshTokenHash = "0f0f",
            RefreshTokenOnly = true,
            KeptAt = StoreSamples.Now,
            KeptBy = "host:1:x",
        };

        var json = ConnectionRecordSerializer.SerializeKept(kept, new MarkingProtector());

        Assert.Equal(
            """
            {"format":1,"id":"crm","tokens":{"access_token":"enc(crm/kept.access_token:access-secret-crm)","token_type":"Bearer","refresh_token":"enc(crm/kept.refresh_token:refresh-secret-1)","scope":"contacts:read","issued_at":"2026-05-01T02:00:00+00:00","expires_at":"2026-05-01T02:30:00+00:00","expiry_source":"ExpiresIn","refresh_token_expires_at":"2026-06-30T02:00:00+00:00","server_clock_skew":"00:00:03"},"spent_generation":4,"spent_refresh_token_sha256":"0f0f","refresh_token_only":true,"kept_at":"2026-05-01T02:00:00+00:00","kept_by":"host:1:x"}
            """,
            json);
    }

    [Fact]
    public void AnEvent_IsWrittenAsExactlyTheSameJson()
    {
        var connectionEvent = new ConnectionEvent
        {
            Id = new Guid("8f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8"),
            ConnectionId = "crm",
            Type = "connection.degraded",
            OccurredAt = StoreSamples.Now,
            State = "Degraded",
            Reason = StateReasons.RefreshFailing,
            Detail = "503",
            Data = new Dictionary<string, string> { ["attempts"] = "2" },
        };

        var json = ConnectionRecordSerializer.SerializeEvent(connectionEvent);

        Assert.Equal(
            """
            {"id":"8f1c2a3b-4d5e-6f70-8192-a3b4c5d6e7f8","connection_id":"crm","type":"connection.degraded","occurred_at":"2026-05-01T02:00:00+00:00","state":"Degraded","reason":"refresh_failing","detail":"503","data":{"attempts":"2"}}
            """,
            json);
    }

    private sealed class MarkingProtector : ISecretProtector
    {
        public string Protect(string plaintext, string connectionId, string field) => $"enc({connectionId}/{field}:{plaintext})";

        public string Unprotect(string protectedValue, string connectionId, string field) => throw new NotSupportedException();
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
