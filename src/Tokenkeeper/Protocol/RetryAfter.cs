using System.Net.Http.Headers;

namespace Tokenkeeper.Protocol;

/// <summary>Reads a <c>Retry-After</c> header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.</summary>
internal static class RetryAfter
{
    /// <summary>The wait the header asks for, capped at <see cref="TokenEndpointConstants.MaxRetryAfter"/>; null without a usable header.</summary>
    /// <param name="headers">The response headers.</param>
    /// <param name="now">The current time on the caller's clock.</param>
    /// <param name="serverDate">The response's <c>Date</c>, so an HTTP-date is read on the server's clock.</param>
    public static TimeSpan? Read(HttpResponseHeaders headers, DateTimeOffset now, DateTimeOffset? serverDate = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var value = headers.RetryAfter;
        TimeSpan? wait = null;
        if (value?.Delta is { } delta)
        {
            wait = delta;
        }
        else if (value?.Date is { } date)
        {
            wait = date - (serverDate ?? now);
        }

        if (wait is null)
        {
            return null;
        }

        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > TokenEndpointConstants.MaxRetryAfter ? TokenEndpointConstants.MaxRetryAfter : wait;
    }
}
