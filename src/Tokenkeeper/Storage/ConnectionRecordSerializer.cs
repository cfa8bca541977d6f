using System.Text.Json;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Storage;

/// <summary>
/// Turns a <see cref="ConnectionRecord"/> into JSON for a persistent store and back. Every secret field (access token, refresh
/// token, client secret, signing key) is encrypted in place with the <see cref="ISecretProtector"/>, bound to the connection and
/// field; everything else stays readable for operators.
/// </summary>
internal static class ConnectionRecordSerializer
{
    /// <summary>The format version written into every record.</summary>
    public const int FormatVersion = RecordJson.FormatVersion;

    private const string KeptFieldPrefix = "kept.";

    /// <summary>Serialises a record (its <see cref="ConnectionRecord.Version"/> is the store's business and is not written).</summary>
    public static string Serialize(ConnectionRecord record, ISecretProtector protector)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(protector);
        return JsonSerializer.Serialize(Secrets(record, new Sealer(protector, record.ConnectionId, Open: false)), RecordJson.Record);
    }

    /// <summary>Reads a record written by <see cref="Serialize"/>.</summary>
    /// <exception cref="SecretProtectionException">A secret cannot be decrypted (wrong key, altered data).</exception>
    /// <exception cref="JsonException">The JSON is not a record.</exception>
    public static ConnectionRecord Deserialize(string json, long version, ISecretProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var stored = JsonSerializer.Deserialize(json, RecordJson.Record) ?? throw new JsonException("The stored record is null.");
        return Secrets(stored, new Sealer(protector, stored.ConnectionId, Open: true)) with { Version = version };
    }

    /// <summary>Serialises kept tokens (<see cref="IKeptTokenStore"/>); the tokens are encrypted, bound to the connection and to
    /// fields of their own (<c>kept.access_token</c>, <c>kept.refresh_token</c>).</summary>
    public static string SerializeKept(KeptTokens kept, ISecretProtector protector)
    {
        ArgumentNullException.ThrowIfNull(kept);
        ArgumentNullException.ThrowIfNull(protector);
        var sealer = new Sealer(protector, kept.ConnectionId, Open: false);
        return JsonSerializer.Serialize(kept with { Tokens = sealer.Tokens(kept.Tokens, KeptFieldPrefix) }, RecordJson.Kept);
    }

    /// <summary>Reads kept tokens written by <see cref="SerializeKept"/>.</summary>
    /// <exception cref="SecretProtectionException">A token cannot be decrypted (wrong key, altered data).</exception>
    /// <exception cref="JsonException">The JSON is not kept tokens.</exception>
    public static KeptTokens DeserializeKept(string json, ISecretProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var stored = JsonSerializer.Deserialize(json, RecordJson.Kept) ?? throw new JsonException("The kept tokens are null.");
        return stored with { Tokens = new Sealer(protector, stored.ConnectionId, Open: true).Tokens(stored.Tokens, KeptFieldPrefix) };
    }

    /// <summary>The generation kept tokens written by <see cref="SerializeKept"/> replace, read without decrypting them; null when the
    /// JSON is not kept tokens.</summary>
    public static int? KeptGeneration(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, RecordJson.Kept)?.SpentGeneration;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The record with every secret field encrypted (or decrypted): the only fields this serializer names.</summary>
    private static ConnectionRecord Secrets(ConnectionRecord record, Sealer sealer) => record with
    {
        Registration = record.Registration with
        {
            ClientSecret = sealer.Secret(record.Registration.ClientSecret, "client_secret"),
            SigningKeyPem = sealer.Secret(record.Registration.SigningKeyPem, "signing_key"),
        },
        Tokens = record.Tokens is { } tokens ? sealer.Tokens(tokens, "") : null,
    };

    /// <summary>Encrypts (or, with <paramref name="Open"/>, decrypts) secret values bound to a connection and a field name.</summary>
    private readonly record struct Sealer(ISecretProtector Protector, string ConnectionId, bool Open)
    {
        public ClientSecret? Secret(ClientSecret? secret, string field) => secret is { } value ? new ClientSecret(Apply(value.Value, field)) : null;

        public TokenSet Tokens(TokenSet tokens, string fieldPrefix) => tokens with
        {
            AccessToken = new AccessToken(Apply(tokens.AccessToken.Value, fieldPrefix + "access_token")),
            RefreshToken = tokens.RefreshToken is { } refresh ? new RefreshToken(Apply(refresh.Value, fieldPrefix + "refresh_token")) : null,
        };

        private string Apply(string value, string field) =>
            Open ? Protector.Unprotect(value, ConnectionId, field) : Protector.Protect(value, ConnectionId, field);
    }

    /// <summary>Serialises an event for an outbox (events carry no secrets).</summary>
    public static string SerializeEvent(ConnectionEvent connectionEvent) => JsonSerializer.Serialize(connectionEvent, RecordJson.Event);

    /// <summary>Reads an event written by <see cref="SerializeEvent"/>.</summary>
    public static ConnectionEvent DeserializeEvent(string json) =>
        JsonSerializer.Deserialize(json, RecordJson.Event) ?? throw new JsonException("The stored event is null.");
}
