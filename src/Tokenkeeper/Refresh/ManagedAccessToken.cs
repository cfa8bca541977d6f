using Tokenkeeper.Diagnostics;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// An access token as handed to callers: the token, its expiry, and the ready-made <c>Authorization</c> value.
/// Immutable and shared: the hot path returns the same instance to every caller until the token changes.
/// </summary>
public sealed class ManagedAccessToken
{
    private string? _fingerprint;

    internal ManagedAccessToken(string connectionId, TokenSet tokens, TokenWindows windows, long version)
    {
        ConnectionId = connectionId;
        Token = tokens.AccessToken;
        TokenType = tokens.TokenType;
        ExpiresAt = tokens.ExpiresAt;
        InstanceUrl = tokens.InstanceUrl;
        Version = version;
        Windows = windows;
        AuthorizationValue = tokens.TokenType + " " + tokens.AccessToken.Value;
        RefreshAheadAtTicks = windows.RefreshAheadAt.UtcTicks;
        UsableUntilTicks = windows.UsableUntil.UtcTicks;
        ExpiresAtTicks = tokens.ExpiresAt.UtcTicks;
    }

    /// <summary>The connection the token belongs to.</summary>
    public string ConnectionId { get; }

    /// <summary>The access token.</summary>
    public AccessToken Token { get; }

    /// <summary>The token type (<c>Bearer</c>).</summary>
    public string TokenType { get; }

    /// <summary>When the token expires.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Salesforce's <c>instance_url</c>, when the provider sent one.</summary>
    public string? InstanceUrl { get; }

    /// <summary>The store version the token was committed at.</summary>
    public long Version { get; }

    /// <summary>The token's refresh-ahead and usable-until points.</summary>
    public TokenWindows Windows { get; }

    /// <summary>The token's fingerprint, safe to log.</summary>
    public string Fingerprint => _fingerprint ??= TokenFingerprint.Of(Token.Value);

    /// <summary>The value of the <c>Authorization</c> header: <c>Bearer …</c>. Secret: do not log it.</summary>
    internal string AuthorizationValue { get; }

    internal long RefreshAheadAtTicks { get; }

    internal long UsableUntilTicks { get; }

    internal long ExpiresAtTicks { get; }

    /// <summary>Whether the token may be handed to a caller needing <paramref name="minValidity"/> at <paramref name="nowTicks"/>.</summary>
    internal bool IsUsableAt(long nowTicks, TimeSpan minValidity) =>
        nowTicks < UsableUntilTicks && (minValidity <= TimeSpan.Zero || nowTicks + minValidity.Ticks <= ExpiresAtTicks);

    /// <summary>Returns the access token's fingerprint; never the token.</summary>
    public override string ToString() => $"{ConnectionId}:{Fingerprint}";
}
