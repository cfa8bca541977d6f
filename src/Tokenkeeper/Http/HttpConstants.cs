namespace Tokenkeeper.Http;

/// <summary>Every default number of the HTTP handler, in one place.</summary>
internal static class HttpConstants
{
    /// <summary>Retries of a 429, 5xx or network failure (idempotent requests, or requests carrying an <c>Idempotency-Key</c>): 3.</summary>
    public const int DefaultMaxRetries = 3;

    /// <summary>First retry delay (doubling each retry, with jitter): 1 second.</summary>
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>Largest computed retry delay: 30 seconds.</summary>
    public static readonly TimeSpan DefaultRetryMaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>A <c>Retry-After</c> longer than this is not waited out: the 429/503 is returned to the caller. 60 seconds.</summary>
    public static readonly TimeSpan DefaultMaxRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>The share of each computed retry delay that is randomised ("equal jitter"): the wait is drawn from [delay × 0.5, delay].</summary>
    public const double RetryJitterFraction = 0.5;

    /// <summary>Doublings after which the exponential backoff stops growing before the cap is applied (keeps the arithmetic finite for any retry count): 20.</summary>
    public const int MaxBackoffDoublings = 20;

    /// <summary>The header that makes a non-idempotent request safe to retry.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";
}
