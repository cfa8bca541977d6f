using Tokenkeeper.Http.AuthFailures;

namespace Tokenkeeper.Http;

/// <summary>How the <see cref="TokenkeeperHandler"/> treats requests. Defaults are in <see cref="HttpConstants"/>.</summary>
public sealed class TokenkeeperHandlerOptions
{
    /// <summary>Each request's token must stay valid at least this long (beyond the usable-until margin). Default zero.</summary>
    public TimeSpan MinValidity { get; set; }

    /// <summary>Retries after 429, 5xx or a network error, for idempotent methods or requests with an <c>Idempotency-Key</c>. Default 3; 0 turns retries off.</summary>
    public int MaxRetries { get; set; } = HttpConstants.DefaultMaxRetries;

    /// <summary>First retry delay. Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = HttpConstants.DefaultRetryBaseDelay;

    /// <summary>Largest computed retry delay. Default 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = HttpConstants.DefaultRetryMaxDelay;

    /// <summary>Longest <c>Retry-After</c> waited out. Default 60 s.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = HttpConstants.DefaultMaxRetryAfter;

    /// <summary>Buffer request bodies that could not otherwise be sent twice (streams), so a rejected request can be replayed. Default false.</summary>
    public bool BufferRequestContent { get; set; }

    /// <summary>How auth failures are recognised. Null: the connection's provider profile decides.</summary>
    public IAuthFailureMatcher? AuthFailureMatcher { get; set; }
}
