using System.Text.Json;
using Tokenkeeper.Tokens;
using Tokenkeeper.Connections;
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
    public const int FormatVersion = 1;

    /// <summary>Serialises a record (its <see cref="ConnectionRecord.Version"/> is the store's business and is not written).</summary>
    public static string Serialize(ConnectionRecord record, ISecretProtector protector)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(protector);
        var id = record.ConnectionId;
        var reg = record.Registration;
        var dto = new RecordDto
        {
            Format = FormatVersion,
            Id = id,
            Registration = new RegistrationDto
            {
                Provider = reg.Provider,
                TokenEndpoint = reg.TokenEndpoint.ToString(),
                RevocationEndpoint = reg.RevocationEndpoint?.ToString(),
                IntrospectionEndpoint = reg.IntrospectionEndpoint?.ToString(),
                Rotation = reg.Rotation,
                RotationGrace = reg.RotationGrace,
                ClientId = reg.ClientId,
                ClientSecret = Protect(reg.ClientSecret?.Value, "client_secret"),
                SigningKeyPem = Protect(reg.SigningKeyPem?.Value, "signing_key"),
                SigningKeyId = reg.SigningKeyId,
                ClientAuthMethod = reg.ClientAuthMethod,
                Grant = reg.Grant,
                JwtBearerSubject = reg.JwtBearerSubject,
                Scope = reg.Scope,
                Resource = reg.Resource,
                Audience = reg.Audience,
                ExtraParameters = reg.ExtraParameters?.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
                AllowInsecureHttp = reg.AllowInsecureHttp,
            },
            Tokens = record.Tokens is not { } t ? null : ToDto(t, id, protector, ""),
            Status = record.Status,
            CreatedAt = record.CreatedAt,
            AuthorizedAt = record.AuthorizedAt,
            LastRefreshAt = record.LastRefreshAt,
            LastAttemptAt = record.LastAttemptAt,
            ConsecutiveFailures = record.ConsecutiveFailures,
            LastError = record.LastError,
            NextAttemptAt = record.NextAttemptAt,
            RefreshTokenGeneration = record.RefreshTokenGeneration,
            PendingRefresh = record.PendingRefresh,
            BootstrapHash = record.BootstrapHash,
            WarnedDeadline = record.WarnedDeadline,
            ExpiryWarningsSent = record.ExpiryWarningsSent.Count == 0 ? null : [.. record.ExpiryWarningsSent],
            StatusBeforeDisabled = record.StatusBeforeDisabled,
            History = [.. record.History],
        };
        return JsonSerializer.Serialize(dto, RecordJsonContext.Default.RecordDto);

        string? Protect(string? value, string field) => value is null ? null : protector.Protect(value, id, field);
    }

    /// <summary>Reads a record written by <see cref="Serialize"/>.</summary>
    /// <exception cref="SecretProtectionException">A secret cannot be decrypted (wrong key, altered data).</exception>
    /// <exception cref="JsonException">The JSON is not a record.</exception>
    public static ConnectionRecord Deserialize(string json, long version, ISecretProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var dto = JsonSerializer.Deserialize(json, RecordJsonContext.Default.RecordDto) ?? throw new JsonException("The stored record is null.");
        if (dto.Format > FormatVersion)
        {
            throw new JsonException($"The stored record has format {dto.Format}; this version of Tokenkeeper reads up to {FormatVersion}. Upgrade Tokenkeeper.");
        }

        var id = dto.Id;
        var reg = dto.Registration;
        return new ConnectionRecord
        {
            ConnectionId = id,
            Version = version,
            Registration = new ConnectionRegistration
            {
                Provider = reg.Provider,
                TokenEndpoint = new Uri(reg.TokenEndpoint),
                RevocationEndpoint = reg.RevocationEndpoint is null ? null : new Uri(reg.RevocationEndpoint),
                IntrospectionEndpoint = reg.IntrospectionEndpoint is null ? null : new Uri(reg.IntrospectionEndpoint),
                Rotation = reg.Rotation,
                RotationGrace = reg.RotationGrace,
                ClientId = reg.ClientId,
                ClientSecret = Unprotect(reg.ClientSecret, "client_secret") is { } secret ? new ClientSecret(secret) : null,
                SigningKeyPem = Unprotect(reg.SigningKeyPem, "signing_key") is { } pem ? new ClientSecret(pem) : null,
                SigningKeyId = reg.SigningKeyId,
                ClientAuthMethod = reg.ClientAuthMethod,
                Grant = reg.Grant,
                JwtBearerSubject = reg.JwtBearerSubject,
                Scope = reg.Scope,
                Resource = reg.Resource,
                Audience = reg.Audience,
                ExtraParameters = reg.ExtraParameters,
                AllowInsecureHttp = reg.AllowInsecureHttp,
            },
            Tokens = dto.Tokens is not { } t ? null : FromDto(t, id, protector, ""),
            Status = dto.Status,
            CreatedAt = dto.CreatedAt,
            AuthorizedAt = dto.AuthorizedAt,
            LastRefreshAt = dto.LastRefreshAt,
            LastAttemptAt = dto.LastAttemptAt,
            ConsecutiveFailures = dto.ConsecutiveFailures,
            LastError = dto.LastError,
            NextAttemptAt = dto.NextAttemptAt,
            RefreshTokenGeneration = dto.RefreshTokenGeneration,
            PendingRefresh = dto.PendingRefresh,
            BootstrapHash = dto.BootstrapHash,
            WarnedDeadline = dto.WarnedDeadline,
            ExpiryWarningsSent = dto.ExpiryWarningsSent ?? [],
            StatusBeforeDisabled = dto.StatusBeforeDisabled,
            History = dto.History ?? [],
        };

        string? Unprotect(string? value, string field) => value is null ? null : protector.Unprotect(value, id, field);
    }

    /// <summary>Serialises kept tokens (<see cref="IKeptTokenStore"/>); the tokens are encrypted, bound to the connection and to
    /// fields of their own (<c>kept.access_token</c>, <c>kept.refresh_token</c>).</summary>
    public static string SerializeKept(KeptTokens kept, ISecretProtector protector)
    {
        ArgumentNullException.ThrowIfNull(kept);
        ArgumentNullException.ThrowIfNull(protector);
        var dto = new KeptDto
        {
            Format = FormatVersion,
            Id = kept.ConnectionId,
            Tokens = ToDto(kept.Tokens, kept.ConnectionId, protector, KeptFieldPrefix),
            SpentGeneration = kept.SpentGeneration,
            SpentRefreshTokenSha256 = kept.SpentRefreshTokenHash,
            RefreshTokenOnly = kept.RefreshTokenOnly,
            KeptAt = kept.KeptAt,
            KeptBy = kept.KeptBy,
        };
        return JsonSerializer.Serialize(dto, RecordJsonContext.Default.KeptDto);
    }

    /// <summary>Reads kept tokens written by <see cref="SerializeKept"/>.</summary>
    /// <exception cref="SecretProtectionException">A token cannot be decrypted (wrong key, altered data).</exception>
    /// <exception cref="JsonException">The JSON is not kept tokens.</exception>
    public static KeptTokens DeserializeKept(string json, ISecretProtector protector)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var dto = JsonSerializer.Deserialize(json, RecordJsonContext.Default.KeptDto) ?? throw new JsonException("The kept tokens are null.");
        if (dto.Format > FormatVersion)
        {
            throw new JsonException($"The kept tokens have format {dto.Format}; this version of Tokenkeeper reads up to {FormatVersion}. Upgrade Tokenkeeper.");
        }

        return new KeptTokens
        {
            ConnectionId = dto.Id,
            Tokens = FromDto(dto.Tokens, dto.Id, protector, KeptFieldPrefix),
            SpentGeneration = dto.SpentGeneration,
            SpentRefreshTokenHash = dto.SpentRefreshTokenSha256,
            RefreshTokenOnly = dto.RefreshTokenOnly,
            KeptAt = dto.KeptAt,
            KeptBy = dto.KeptBy,
        };
    }

    /// <summary>The generation kept tokens written by <see cref="SerializeKept"/> replace, read without decrypting them; null when the
    /// JSON is not kept tokens.</summary>
    public static int? KeptGeneration(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, RecordJsonContext.Default.KeptDto)?.SpentGeneration;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private const string KeptFieldPrefix = "kept.";

    private static TokensDto ToDto(TokenSet t, string id, ISecretProtector protector, string fieldPrefix) => new()
    {
        AccessToken = protector.Protect(t.AccessToken.Value, id, fieldPrefix + "access_token"),
        TokenType = t.TokenType,
        RefreshToken = t.RefreshToken is { } refresh ? protector.Protect(refresh.Value, id, fieldPrefix + "refresh_token") : null,
        Scope = t.Scope,
        IssuedAt = t.IssuedAt,
        ExpiresAt = t.ExpiresAt,
        ExpirySource = t.ExpirySource,
        RefreshTokenExpiresAt = t.RefreshTokenExpiresAt,
        InstanceUrl = t.InstanceUrl,
        ServerClockSkew = t.ServerClockSkew,
    };

    private static TokenSet FromDto(TokensDto t, string id, ISecretProtector protector, string fieldPrefix) => new()
    {
        AccessToken = new AccessToken(protector.Unprotect(t.AccessToken, id, fieldPrefix + "access_token")),
        TokenType = t.TokenType,
        RefreshToken = t.RefreshToken is { } refresh ? new RefreshToken(protector.Unprotect(refresh, id, fieldPrefix + "refresh_token")) : null,
        Scope = t.Scope,
        IssuedAt = t.IssuedAt,
        ExpiresAt = t.ExpiresAt,
        ExpirySource = t.ExpirySource,
        RefreshTokenExpiresAt = t.RefreshTokenExpiresAt,
        InstanceUrl = t.InstanceUrl,
        ServerClockSkew = t.ServerClockSkew,
    };

    /// <summary>Serialises an event for an outbox (events carry no secrets).</summary>
    public static string SerializeEvent(ConnectionEvent connectionEvent) => JsonSerializer.Serialize(connectionEvent, RecordJsonContext.Default.ConnectionEvent);

    /// <summary>Reads an event written by <see cref="SerializeEvent"/>.</summary>
    public static ConnectionEvent DeserializeEvent(string json) =>
        JsonSerializer.Deserialize(json, RecordJsonContext.Default.ConnectionEvent) ?? throw new JsonException("The stored event is null.");
}
