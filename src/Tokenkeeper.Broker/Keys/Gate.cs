using Microsoft.AspNetCore.Http;
using Tokenkeeper.Broker.Problems;

namespace Tokenkeeper.Broker.Keys;

/// <summary>The answers every endpoint gives a caller it will not serve: 401 without a valid key, 403 for a reader on what
/// needs an admin.</summary>
internal static class Gate
{
    /// <summary>401 <c>unauthorized</c>, with <c>WWW-Authenticate: Bearer</c>.</summary>
    public static IResult Unauthorized(HttpRequest request)
    {
        request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return Problem.Of(StatusCodes.Status401Unauthorized, "unauthorized", "A valid key is required.", "Send Authorization: Bearer tk_… with a key made by tokenkeeper keys create.");
    }

    /// <summary>429 <c>too_many_failed_attempts</c> for an address that made too many requests without a valid key, or null.</summary>
    public static IResult? Throttled(HttpRequest request, KeyAuthenticator keys, TimeProvider time) =>
        keys.BlockedUntil(request) is { } until
            ? Problem.Of(StatusCodes.Status429TooManyRequests, "too_many_failed_attempts", "Too many requests without a valid key.", $"This address made {BrokerConstants.FailedAttemptLimit} or more requests without a valid key within {BrokerConstants.FailedAttemptWindow.TotalSeconds:0} s; try again after {until.UtcDateTime:O}.", null, until - time.GetUtcNow())
            : null;

    /// <summary>The caller's key, or the answer to give (429 for a throttled address, 401).</summary>
    public static async Task<(CallerKey? Caller, IResult? Refused)> RequireKeyAsync(HttpRequest request, KeyAuthenticator keys, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Throttled(request, keys, time) is { } throttled)
        {
            return (null, throttled);
        }

        var caller = await keys.AuthenticateAsync(request, cancellationToken);
        return caller is null ? (null, Unauthorized(request)) : (caller, null);
    }

    /// <summary>The caller's admin key, or the answer to give (429, 401, or 403 <c>forbidden</c> for a reader).</summary>
    public static async Task<(CallerKey? Admin, IResult? Refused)> RequireAdminAsync(HttpRequest request, KeyAuthenticator keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var (caller, refused) = await RequireKeyAsync(request, keys, time, cancellationToken);
        return caller switch
        {
            null => (null, refused),
            { IsAdmin: false } => (null, Problem.Of(StatusCodes.Status403Forbidden, "forbidden", "This needs an admin key.", $"Key '{caller.Name}' is a reader: it reads tokens of its connections and nothing else.")),
            _ => (caller, null),
        };
    }
}
