using System.Web;

namespace Tokenkeeper.Onboarding;

/// <summary>What an authorization redirect carries (RFC 6749 §4.1.2 and §4.1.2.1, RFC 9207 <c>iss</c>). A parameter given twice
/// counts as absent: a redirect that repeats <c>state</c> or <c>code</c> is not trusted.</summary>
internal sealed record AuthorizationResponse(string? Code, string? State, string? Error, string? ErrorDescription, string? Issuer)
{
    public static AuthorizationResponse Parse(Uri redirect)
    {
        var query = HttpUtility.ParseQueryString(redirect.Query);
        string? One(string name) => query.GetValues(name) is [var single] && single.Length > 0 ? single : null;
        return new AuthorizationResponse(One("code"), One("state"), One("error"), One("error_description"), One("iss"));
    }
}
