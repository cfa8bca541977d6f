namespace Tokenkeeper.Simulator;

/// <summary>The kinds of injected fault.</summary>
internal enum FaultKind
{
    /// <summary>503 with a JSON <c>temporarily_unavailable</c> body; the request is not processed.</summary>
    ServiceUnavailable,

    /// <summary>500 with a plain-text body; the request is not processed.</summary>
    InternalServerError,

    /// <summary>429 with <c>Retry-After</c>; the request is not processed.</summary>
    TooManyRequests,

    /// <summary>Waits (on the injected clock), then processes the request normally.</summary>
    Delay,

    /// <summary>Aborts the connection without processing the request.</summary>
    DropBefore,

    /// <summary>Processes the request fully (a refresh rotates, a batch is stored), then aborts: the response is lost.</summary>
    DropAfter,

    /// <summary>An HTML page with status 200 or 502; the request is not processed.</summary>
    Html,

    /// <summary>Processes the request, then sends 200 with only the first half of the JSON body.</summary>
    Truncated,

    /// <summary>HTTP 200 with <c>{"error":"server_error"}</c>; the request is not processed.</summary>
    ErrorIn200,
}
