namespace Tokenkeeper.Lifecycle;

/// <summary>A webhook delivery that must not be trusted (see <see cref="Failure"/>). Answer it with 400 or 401 and do not act on it.</summary>
public sealed class WebhookVerificationException : TokenkeeperException
{
    /// <summary>Creates the exception.</summary>
    public WebhookVerificationException(WebhookVerificationFailure failure, string message)
        : base(message)
    {
        Failure = failure;
    }

    /// <summary>Why the delivery was refused.</summary>
    public WebhookVerificationFailure Failure { get; }
}
