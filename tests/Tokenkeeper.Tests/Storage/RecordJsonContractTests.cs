using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Tokenkeeper.Connections;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Storage;

/// <summary>
/// The stored JSON is the domain types themselves (Storage/RecordJson.cs), so two rules keep a store safe as those types grow:
/// a property a stored record lacks reads as the default the type declares, and every secret-typed property is one the
/// serializer encrypts. These tests walk the stored contract, so a new property that breaks either rule fails here.
/// </summary>
public sealed class RecordJsonContractTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_record_that_lacks_every_optional_property_reads_as_the_defaults_its_types_declare()
    {
        // Built in code with only what is required: every other property holds the default its type declares.
        var minimal = new ConnectionRecord
        {
            ConnectionId = "crm",
            Registration = new ConnectionRegistration { TokenEndpoint = new Uri("https://provider.test/token"), ClientId = "client" },
            Tokens = new TokenSet { AccessToken = new AccessToken("at"), IssuedAt = At, ExpiresAt = At.AddHours(1) },
            Status = new ConnectionStatus(ConnectionState.Active, StateReasons.Authorized, At),
        };
        var text = ConnectionRecordSerializer.Serialize(minimal, new PlainProtector());
        var written = JsonNode.Parse(text)!.AsObject();

        // An older record: only the required properties, in every stored object.
        var stripped = StripOptional(written.DeepClone().AsObject(), RecordJson.Record);
        var read = ConnectionRecordSerializer.Deserialize(stripped.ToJsonString(), 1, new PlainProtector());

        Assert.Equal(text, ConnectionRecordSerializer.Serialize(read, new PlainProtector()));
        Assert.NotNull(read.ExpiryWarningsSent);
        Assert.Empty(read.ExpiryWarningsSent);
        Assert.NotNull(read.History);
        Assert.Equal("generic", read.Registration.Provider);
        Assert.Equal("Bearer", read.Tokens!.TokenType);
    }

    [Fact]
    public void Kept_tokens_that_lack_every_optional_property_read_as_their_declared_defaults()
    {
        var minimal = new KeptTokens
        {
            ConnectionId = "crm",
            Tokens = new TokenSet { AccessToken = new AccessToken("at"), IssuedAt = At, ExpiresAt = At.AddHours(1) },
            SpentGeneration = 2,
            KeptAt = At,
            KeptBy = "host-a/1",
        };
        var text = ConnectionRecordSerializer.SerializeKept(minimal, new PlainProtector());
        var written = JsonNode.Parse(text)!.AsObject();

        var read = ConnectionRecordSerializer.DeserializeKept(StripOptional(written.DeepClone().AsObject(), RecordJson.Kept).ToJsonString(), new PlainProtector());

        Assert.Equal(text, ConnectionRecordSerializer.SerializeKept(read, new PlainProtector()));
    }

    [Fact]
    public void Every_secret_typed_property_in_the_stored_shapes_is_one_the_serializer_encrypts()
    {
        var found = SecretPaths(RecordJson.Record, "").Concat(SecretPaths(RecordJson.Kept, "kept:")).Order(StringComparer.Ordinal);

        // The fields ConnectionRecordSerializer.Secrets encrypts (and, for kept tokens, SerializeKept). A new secret-typed
        // property would be written in clear until it is added there, and here.
        Assert.Equal(
            ["kept:tokens.access_token", "kept:tokens.refresh_token", "registration.client_secret", "registration.signing_key_pem", "tokens.access_token", "tokens.refresh_token"],
            found);
    }

    [Fact]
    public void A_stored_endpoint_that_is_not_an_absolute_url_is_a_json_error_like_any_malformed_value()
    {
        var json = ConnectionRecordSerializer.Serialize(StoreSamples.Record("crm"), new PlainProtector())
            .Replace("https://identity.example/connect/token", "not a url", StringComparison.Ordinal);

        var error = Assert.Throws<JsonException>(() => ConnectionRecordSerializer.Deserialize(json, 1, new PlainProtector()));

        Assert.Contains("not a url", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kept_tokens_of_a_newer_format_say_to_upgrade()
    {
        var json = ConnectionRecordSerializer.SerializeKept(
            new KeptTokens { ConnectionId = "crm", Tokens = StoreSamples.Record("crm").Tokens!, SpentGeneration = 1, KeptAt = At, KeptBy = "b" },
            new PlainProtector()).Replace("\"format\":1", "\"format\":2", StringComparison.Ordinal);

        var error = Assert.Throws<JsonException>(() => ConnectionRecordSerializer.DeserializeKept(json, new PlainProtector()));

        Assert.Equal("The kept tokens have format 2; this version of Tokenkeeper reads up to 1. Upgrade Tokenkeeper.", error.Message);
    }

    /// <summary>Removes every property the contract does not require, in the stored objects of the record family, keeping the format.</summary>
    private static JsonObject StripOptional(JsonObject json, JsonTypeInfo info)
    {
        foreach (var property in info.Properties)
        {
            if (!json.TryGetPropertyValue(property.Name, out var value) || property.Name == "format")
            {
                continue;
            }

            var nested = Unwrap(property.PropertyType);
            if (value is JsonObject child && IsRecordFamily(nested))
            {
                StripOptional(child, RecordJson.Options.GetTypeInfo(nested));
            }
            else if (!property.IsRequired)
            {
                json.Remove(property.Name);
            }
        }

        return json;
    }

    private static IEnumerable<string> SecretPaths(JsonTypeInfo info, string prefix)
    {
        foreach (var property in info.Properties)
        {
            var type = Unwrap(property.PropertyType);
            var path = prefix + property.Name;
            if (type == typeof(ClientSecret) || type == typeof(AccessToken) || type == typeof(RefreshToken))
            {
                yield return path;
                continue;
            }

            var nested = RecordJson.Options.GetTypeInfo(type);
            var inner = nested.Kind switch
            {
                JsonTypeInfoKind.Object when IsRecordFamily(type) || type.Namespace?.StartsWith("Tokenkeeper", StringComparison.Ordinal) == true => nested,
                JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary when nested.ElementType is { } element && Unwrap(element).Namespace?.StartsWith("Tokenkeeper", StringComparison.Ordinal) == true
                    => RecordJson.Options.GetTypeInfo(Unwrap(element)),
                _ => null,
            };
            if (inner is not null)
            {
                foreach (var secret in SecretPaths(inner, path + "."))
                {
                    yield return secret;
                }
            }
        }
    }

    private static bool IsRecordFamily(Type type) =>
        type == typeof(ConnectionRecord) || type == typeof(ConnectionRegistration) || type == typeof(TokenSet) || type == typeof(KeptTokens);

    private static Type Unwrap(Type type) => Nullable.GetUnderlyingType(type) ?? type;

    /// <summary>Leaves values as they are, so a test can read exactly what was written.</summary>
    private sealed class PlainProtector : ISecretProtector
    {
        public string Protect(string plaintext, string connectionId, string field) => plaintext;

        public string Unprotect(string protectedValue, string connectionId, string field) => protectedValue;
    }
}
