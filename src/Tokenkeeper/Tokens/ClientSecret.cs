using Tokenkeeper.Diagnostics;

namespace Tokenkeeper.Tokens;

/// <summary>An OAuth client secret. <see cref="ToString"/> returns a fingerprint, never the secret.</summary>
/// <param name="Value">The secret as registered with the provider.</param>
public readonly record struct ClientSecret(string Value)
{
    /// <summary>A short one-way label for the secret (see <see cref="TokenFingerprint"/>).</summary>
    public string Fingerprint => TokenFingerprint.Of(Value);

    /// <summary>Returns <c>secret:</c> and the fingerprint; never the secret itself.</summary>
    public override string ToString() => "secret:" + Fingerprint;
}
