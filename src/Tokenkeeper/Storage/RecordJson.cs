using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Tokenkeeper.Events;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Storage;

/// <summary>
/// The stored JSON of records, kept tokens and outbox events: the domain types themselves, serialised by a source-generated
/// context (snake_case names, nulls left out, enums as names), so a field added to <see cref="ConnectionRecord"/>,
/// <see cref="ConnectionRegistration"/> or <see cref="TokenSet"/> is stored without another edit. What differs from the plain
/// shape is declared here, once: a <c>format</c> number first, <c>id</c> for the connection id, no <see cref="ConnectionRecord.Version"/>
/// (the store's business), no derived <see cref="TokenSet.Lifetime"/>, no empty warning list, and kept tokens' spent hash under
/// its historical name. Secret values are written as they are given: <see cref="ConnectionRecordSerializer"/> encrypts them first.
/// Persisted data: a property may be added, but renaming or removing one breaks stores already written (the exact JSON is pinned
/// in ConnectionRecordSerializerTests, and StoreFixtureTests reads a store written by older code).
/// <para>Two rules for a new property, each guarded by RecordJsonContractTests. The generated reader passes <c>default</c> for a
/// property the JSON lacks (older records lack every new one), so a property whose default is anything else keeps it when given
/// null (<c>init => field = value ?? [];</c>). And a secret-typed property is written as it is given, so the serializer must
/// encrypt it: name it in <see cref="ConnectionRecordSerializer"/>. <c>RecordJsonContext.Default</c> writes neither the
/// format nor encrypted secrets; only this class's shapes are for storage.</para>
/// </summary>
internal static class RecordJson
{
    /// <summary>The format number written first into every record and kept-tokens entry.</summary>
    public const int FormatVersion = 1;

    /// <summary>The options behind the shapes below (for tests that walk the stored contract).</summary>
    internal static readonly JsonSerializerOptions Options = new(RecordJsonContext.Default.Options)
    {
        TypeInfoResolver = RecordJsonContext.Default.WithAddedModifier(Shape),
    };

    /// <summary>The stored shape of a record.</summary>
    public static JsonTypeInfo<ConnectionRecord> Record { get; } = (JsonTypeInfo<ConnectionRecord>)Options.GetTypeInfo(typeof(ConnectionRecord));

    /// <summary>The stored shape of kept tokens.</summary>
    public static JsonTypeInfo<KeptTokens> Kept { get; } = (JsonTypeInfo<KeptTokens>)Options.GetTypeInfo(typeof(KeptTokens));

    /// <summary>The stored shape of an outbox event.</summary>
    public static JsonTypeInfo<ConnectionEvent> Event { get; } = (JsonTypeInfo<ConnectionEvent>)Options.GetTypeInfo(typeof(ConnectionEvent));

    private static void Shape(JsonTypeInfo info)
    {
        if (info.Type == typeof(ConnectionRecord))
        {
            Rename(info, "connection_id", "id");
            Never(info, "version");
            Property(info, "expiry_warnings_sent").ShouldSerialize = static (_, value) => value is IReadOnlyCollection<int> { Count: > 0 };
            AddFormat(info, "The stored record has");
        }
        else if (info.Type == typeof(KeptTokens))
        {
            Rename(info, "connection_id", "id");
            Rename(info, "spent_refresh_token_hash", "spent_refresh_token_sha256");
            AddFormat(info, "The kept tokens have");
        }
        else if (info.Type == typeof(TokenSet))
        {
            Never(info, "lifetime");
        }
    }

    private static JsonPropertyInfo Property(JsonTypeInfo info, string name) =>
        info.Properties.FirstOrDefault(p => p.Name == name) ?? throw new InvalidOperationException($"{info.Type.Name} has no stored property '{name}'.");

    private static void Rename(JsonTypeInfo info, string from, string to) => Property(info, from).Name = to;

    /// <summary>Not written (init-only properties stay in the contract: the generated constructor binds them).</summary>
    private static void Never(JsonTypeInfo info, string name) => Property(info, name).ShouldSerialize = static (_, _) => false;

    /// <summary>Writes <c>"format": 1</c> first; reading a higher format fails with a message that says to upgrade.</summary>
    private static void AddFormat(JsonTypeInfo info, string subject)
    {
        var format = info.CreateJsonPropertyInfo(typeof(int), "format");
        format.Get = static _ => FormatVersion;
        format.Set = (_, value) =>
        {
            if (value is int written && written > FormatVersion)
            {
                throw new JsonException($"{subject} format {written}; this version of Tokenkeeper reads up to {FormatVersion}. Upgrade Tokenkeeper.");
            }
        };
        format.Order = -1;
        info.Properties.Insert(0, format);
    }
}

/// <summary>Secret values as plain JSON strings (they hold ciphertext by the time they are written).</summary>
internal sealed class ClientSecretJson : JsonConverter<ClientSecret>
{
    public override ClientSecret Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetString()!);

    public override void Write(Utf8JsonWriter writer, ClientSecret value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}

/// <inheritdoc cref="ClientSecretJson"/>
internal sealed class AccessTokenJson : JsonConverter<AccessToken>
{
    public override AccessToken Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetString()!);

    public override void Write(Utf8JsonWriter writer, AccessToken value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}

/// <inheritdoc cref="ClientSecretJson"/>
internal sealed class RefreshTokenJson : JsonConverter<RefreshToken>
{
    public override RefreshToken Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetString()!);

    public override void Write(Utf8JsonWriter writer, RefreshToken value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}

/// <summary>Endpoints as <see cref="Uri.ToString"/> writes them (the canonical form stores have always held), read as absolute URIs;
/// anything else is a <see cref="JsonException"/>, like every other malformed stored value.</summary>
internal sealed class EndpointJson : JsonConverter<Uri>
{
    public override Uri Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Uri.TryCreate(reader.GetString(), UriKind.Absolute, out var uri) ? uri : throw new JsonException($"'{reader.GetString()}' is not an absolute URL.");

    public override void Write(Utf8JsonWriter writer, Uri value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

/// <summary>The source-generated serializer behind <see cref="RecordJson"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(ClientSecretJson), typeof(AccessTokenJson), typeof(RefreshTokenJson), typeof(EndpointJson)])]
[JsonSerializable(typeof(ConnectionRecord))]
[JsonSerializable(typeof(KeptTokens))]
[JsonSerializable(typeof(ConnectionEvent))]
internal sealed partial class RecordJsonContext : JsonSerializerContext;
