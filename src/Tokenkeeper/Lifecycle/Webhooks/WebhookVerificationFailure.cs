namespace Tokenkeeper.Lifecycle;

/// <summary>Why a webhook delivery was refused by <see cref="WebhookVerifier"/>.</summary>
public enum WebhookVerificationFailure
{
    /// <summary><c>webhook-id</c>, <c>webhook-timestamp</c> or <c>webhook-signature</c> is missing or empty.</summary>
    MissingHeaders,

    /// <summary><c>webhook-timestamp</c> is not a whole number of seconds since the Unix epoch.</summary>
    MalformedTimestamp,

    /// <summary>The timestamp is older than the tolerance: a captured delivery replayed, or a clock far behind.</summary>
    StaleTimestamp,

    /// <summary>The timestamp is further in the future than the tolerance: a sender's clock far ahead.</summary>
    FutureTimestamp,

    /// <summary>No <c>v1</c> signature matches any of the receiver's secrets: a wrong secret, or a body, id or timestamp changed on the
    /// way.</summary>
    NoMatchingSignature,
}
