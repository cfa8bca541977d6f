using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tokenkeeper.Broker.Problems;

/// <summary>
/// The last net under every endpoint: a store fault becomes 503 <c>temporarily_unavailable</c> with <c>cause: infrastructure</c>
/// and <c>Retry-After</c>, anything else 500 <c>internal_error</c>; both with a fixed <c>detail</c> (the full message goes to the
/// log, never to a caller: it can name the store's path).
/// </summary>
internal sealed class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    /// <summary>Runs the request.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            logger.LogError(ex, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            context.Response.Clear();
            var result = StoreFaults.Is(ex) ? StoreUnavailable() : Problem.Of(StatusCodes.Status500InternalServerError, "internal_error", "Something went wrong in the service.", "The service log says what; nothing was changed by this request unless it says so.");
            await result.ExecuteAsync(context).ConfigureAwait(false);
        }
    }

    /// <summary>503 for a store fault, saying only that (the path and the error stay in the log).</summary>
    public static IResult StoreUnavailable() => Problem.Of(
        StatusCodes.Status503ServiceUnavailable,
        "temporarily_unavailable",
        "No valid token can be had right now.",
        "The token store is unavailable; ask again shortly.",
        new Dictionary<string, object?> { ["cause"] = FailureCauses.Infrastructure, ["reason"] = null },
        BrokerConstants.DefaultRetryAfter);
}
