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

    /// <summary>The caller's admin key, or the answer to give (401, or 403 <c>forbidden</c> for a reader).</summary>
    public static async Task<(CallerKey? Admin, IResult? Refused)> RequireAdminAsync(HttpRequest request, KeyAuthenticator keys, CancellationToken cancellationToken)
    {
        var caller = await keys.AuthenticateAsync(request, cancellationToken);
        return caller switch
        {
            null => (null, Unauthorized(request)),
            { IsAdmin: false } => (null, Problem.Of(StatusCodes.Status403Forbidden, "forbidden", "This needs an admin key.", $"Key '{caller.Name}' is a reader: it reads tokens of its connections and nothing else.")),
            _ => (caller, null),
        };
    }
}
