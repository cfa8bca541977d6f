namespace Tokenkeeper;

/// <summary>
/// A caller asked for a token valid longer (<c>minValidity</c>) than the provider's tokens live. Refreshing cannot help (and
/// would spend a refresh token per call), so none is sent: ask for less, or for the token's own lifetime.
/// </summary>
public sealed class MinValidityUnattainableException : TokenAcquisitionException
{
    /// <summary>Creates the exception.</summary>
    public MinValidityUnattainableException(string connectionId, TimeSpan minValidity, TimeSpan lifetime)
        : base(connectionId, $"Connection '{connectionId}' issues tokens valid for {lifetime.TotalSeconds:0} s; a caller asked for at least {minValidity.TotalSeconds:0} s.")
    {
        MinValidity = minValidity;
        Lifetime = lifetime;
    }

    /// <summary>What the caller asked for.</summary>
    public TimeSpan MinValidity { get; }

    /// <summary>How long the provider's tokens live.</summary>
    public TimeSpan Lifetime { get; }
}
