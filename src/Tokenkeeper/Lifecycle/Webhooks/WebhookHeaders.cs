namespace Tokenkeeper.Lifecycle;

/// <summary>The headers of a signed webhook delivery (Standard Webhooks), and Tokenkeeper's informational ones.</summary>
public static class WebhookHeaders
{
    /// <summary><c>webhook-id</c>: the event's id, the same on every retry of it, so a receiver drops duplicates.</summary>
    public const string Id = "webhook-id";

    /// <summary><c>webhook-timestamp</c>: when this attempt was sent, in whole seconds since the Unix epoch; fresh on every attempt.</summary>
    public const string Timestamp = "webhook-timestamp";

    /// <summary><c>webhook-signature</c>: <c>v1,</c> and the base64 HMAC-SHA256 of <c>id.timestamp.body</c>, once per active secret,
    /// separated by spaces.</summary>
    public const string Signature = "webhook-signature";

    /// <summary><c>X-Tokenkeeper-Event</c>: the event type (also in the body), for routing without parsing.</summary>
    public const string EventType = "X-Tokenkeeper-Event";

    /// <summary><c>X-Tokenkeeper-Attempt</c>: which attempt this is, from 1.</summary>
    public const string Attempt = "X-Tokenkeeper-Attempt";
}
