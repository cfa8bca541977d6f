namespace Tokenkeeper.Onboarding;

/// <summary>Connecting a connection failed; nothing in the store was changed. <see cref="Kind"/> says whose move it is.</summary>
public sealed class OnboardingException : TokenkeeperException
{
    /// <summary>Creates the exception.</summary>
    public OnboardingException(string connectionId, OnboardingFailureKind kind, string message, string? providerError = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ConnectionId = connectionId;
        Kind = kind;
        ProviderError = providerError;
    }

    /// <summary>The connection.</summary>
    public string ConnectionId { get; }

    /// <summary>What kind of failure.</summary>
    public OnboardingFailureKind Kind { get; }

    /// <summary>The OAuth <c>error</c> the provider sent, if any (<c>access_denied</c>, <c>invalid_grant</c>, …).</summary>
    public string? ProviderError { get; }
}
