using System.Globalization;

namespace Tokenkeeper.Simulator;

/// <summary>
/// The per-client fixed-window limit on the token endpoint (<c>--rate-limit N/W</c>), on the injected clock. A
/// refused request gets 429 <c>{"error":"slow_down"}</c> with <c>Retry-After</c> in whole seconds (at least 1).
/// </summary>
internal sealed class TokenRateLimiter(SimulatorRuntime runtime)
{
    /// <summary>True if the request may proceed; otherwise the 429 has been written.</summary>
    public async Task<bool> AdmitAsync(HttpContext context, string clientId)
    {
        var options = runtime.Options;
        if (options.RateLimitCount is not { } limit || limit <= 0 || options.RateLimitWindow <= TimeSpan.Zero)
        {
            return true;
        }

        var window = runtime.State.RateWindows.GetOrAdd(clientId, static _ => new RateWindow());
        if (window.TryAcquire(limit, options.RateLimitWindow, runtime.Clock.UtcNow, out var retryAfter))
        {
            return true;
        }

        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        Interlocked.Increment(ref runtime.Stats.RateLimitedServed);
        SimulatorLog.RateLimited(runtime.Logger, clientId, seconds);
        Responses.NoStore(context);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var description = $"rate limit of {RateLimitText.Format(limit, options.RateLimitWindow)} exceeded for client '{clientId}'; retry after {seconds} s";
        await Responses.ErrorAsync(context, StatusCodes.Status429TooManyRequests, "slow_down", description);
        return false;
    }
}
