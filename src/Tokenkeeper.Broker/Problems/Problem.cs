using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Tokenkeeper.Broker.Problems;

/// <summary>
/// An error answer as RFC 9457 has it (<c>application/problem+json</c>: <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>),
/// with an <c>error</c> member naming it for programs, and whatever else the error carries (<c>cause</c>, <c>reason</c>, …).
/// Never a token or a secret.
/// </summary>
internal static class Problem
{
    /// <summary>The answer.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="error">The machine-readable name (<c>unauthorized</c>, <c>reconnect_required</c>, …).</param>
    /// <param name="title">A short sentence for people, the same for every occurrence of <paramref name="error"/>.</param>
    /// <param name="detail">What happened this time and what to do.</param>
    /// <param name="extensions">More members (null values are written as null).</param>
    /// <param name="retryAfter">A <c>Retry-After</c> header, for 503 and 429.</param>
    public static IResult Of(int status, string error, string title, string? detail, IReadOnlyDictionary<string, object?>? extensions = null, TimeSpan? retryAfter = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["type"] = "urn:tokenkeeper:error:" + error, // RFC 9457 allows any URI; docs/service.md lists them all
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            ["error"] = error,
        };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            body[key] = value;
        }

        var result = Results.Json(body, BrokerJson.Options, BrokerConstants.ProblemContentType, status);
        return retryAfter is { } wait ? new WithHeader(result, "Retry-After", Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture)) : result;
    }

    /// <summary>A result with one more response header.</summary>
    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
