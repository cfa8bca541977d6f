using System.Text.Json.Serialization;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Storage;

/// <summary>The stored JSON shape of a <see cref="ConnectionRecord"/> (snake_case, nulls left out, enums as names); secret fields hold
/// ciphertext. Persisted data: a property may be added, but renaming or removing one breaks stores already written (the exact
/// JSON is pinned in ConnectionRecordSerializerTests).</summary>
internal sealed class RecordDto
{
    public int Format { get; set; }

    public required string Id { get; set; }

    public required RegistrationDto Registration { get; set; }

    public TokensDto? Tokens { get; set; }

    public required ConnectionStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? AuthorizedAt { get; set; }

    public DateTimeOffset? LastRefreshAt { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    public int ConsecutiveFailures { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    public int RefreshTokenGeneration { get; set; }

    public RefreshIntent? PendingRefresh { get; set; }

    public string? BootstrapHash { get; set; }

    public DateTimeOffset? WarnedDeadline { get; set; }

    public List<int>? ExpiryWarningsSent { get; set; }

    public ConnectionStatus? StatusBeforeDisabled { get; set; }

    public List<StateTransition>? History { get; set; }
}

/// <summary>The stored JSON shape of <see cref="KeptTokens"/>; the tokens in it are encrypted under fields of their own.</summary>
internal sealed class KeptDto
{
    public int Format { get; set; }

    public required string Id { get; set; }

    public required TokensDto Tokens { get; set; }

    public int SpentGeneration { get; set; }

    public string? SpentRefreshTokenSha256 { get; set; }

    public bool RefreshTokenOnly { get; set; }

    public DateTimeOffset KeptAt { get; set; }

    public required string KeptBy { get; set; }
}

/// <summary>The stored JSON shape of a <see cref="ConnectionRegistration"/>; the client secret and signing key hold ciphertext.</summary>
internal sealed class RegistrationDto
{
    public string Provider { get; set; } = "generic";

    public required string TokenEndpoint { get; set; }

    public string? RevocationEndpoint { get; set; }

    public string? IntrospectionEndpoint { get; set; }

    public RefreshTokenRotation? Rotation { get; set; }

    public TimeSpan? RotationGrace { get; set; }

    public required string ClientId { get; set; }

    public string? ClientSecret { get; set; }

    public string? SigningKeyPem { get; set; }

    public string? SigningKeyId { get; set; }

    public ClientAuthMethod? ClientAuthMethod { get; set; }

    public OAuthGrantType Grant { get; set; }

    public string? JwtBearerSubject { get; set; }

    public string? Scope { get; set; }

    public string? Resource { get; set; }

    public string? Audience { get; set; }

    public Dictionary<string, string>? ExtraParameters { get; set; }

    public bool AllowInsecureHttp { get; set; }
}

/// <summary>The stored JSON shape of a <see cref="TokenSet"/>; the access and refresh tokens hold ciphertext.</summary>
internal sealed class TokensDto
{
    public required string AccessToken { get; set; }

    public string TokenType { get; set; } = "Bearer";

    public string? RefreshToken { get; set; }

    public string? Scope { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public ExpirySource ExpirySource { get; set; }

    public DateTimeOffset? RefreshTokenExpiresAt { get; set; }

    public string? InstanceUrl { get; set; }

    public TimeSpan? ServerClockSkew { get; set; }
}

/// <summary>The source-generated serializer of everything <see cref="ConnectionRecordSerializer"/> writes: records, kept tokens and
/// outbox events, all with the same options (snake_case names, nulls left out, enums as names).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RecordDto))]
[JsonSerializable(typeof(KeptDto))]
[JsonSerializable(typeof(ConnectionEvent))]
internal sealed partial class RecordJsonContext : JsonSerializerContext;
