using Tokenkeeper.Diagnostics;

namespace Tokenkeeper.Tokens;

/// <summary>
/// An OAuth 2.0 access token. A distinct type so it cannot be passed where a refresh token belongs;
/// <see cref="ToString"/> returns a fingerprint, never the token, so it is safe in logs and string interpolation.
/// </summary>
/// <param name="Value">The token as issued. No length limit: real providers send long tokens.</param>
public readonly record struct AccessToken(string Value)
{
    /// <summary>A short one-way label for the token (see <see cref="TokenFingerprint"/>).</summary>
    public string Fingerprint => TokenFingerprint.Of(Value);

    /// <summary>Whether the token holds a value.</summary>
    public bool IsEmpty => string.IsNullOrEmpty(Value);

    /// <summary>Returns <c>access:</c> and the fingerprint; never the token itself.</summary>
    public override string ToString() => "access:" + Fingerprint;
}
