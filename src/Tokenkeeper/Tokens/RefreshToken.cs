using Tokenkeeper.Diagnostics;

namespace Tokenkeeper.Tokens;

/// <summary>
/// An OAuth 2.0 refresh token. It is only ever sent to the provider's token endpoint (DESIGN.md contract 1);
/// <see cref="ToString"/> returns a fingerprint, never the token.
/// </summary>
/// <param name="Value">The token as issued.</param>
public readonly record struct RefreshToken(string Value)
{
    /// <summary>A short one-way label for the token (see <see cref="TokenFingerprint"/>).</summary>
    public string Fingerprint => TokenFingerprint.Of(Value);

    /// <summary>The full SHA-256 of the token, lower-case hex: a one-way value a store may keep to recognise the token later
    /// (a spent bootstrap token, the token kept tokens replace) without keeping the token.</summary>
    internal string Sha256Hex() => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Value)));

    /// <summary>Returns <c>refresh:</c> and the fingerprint; never the token itself.</summary>
    public override string ToString() => "refresh:" + Fingerprint;
}
