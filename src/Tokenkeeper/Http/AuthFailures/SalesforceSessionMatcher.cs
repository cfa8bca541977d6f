using System.Text.Json;

namespace Tokenkeeper.Http.AuthFailures;

/// <summary>
/// Salesforce: any 401, and any response whose JSON body carries <c>"errorCode":"INVALID_SESSION_ID"</c>
/// (some Salesforce APIs answer an expired session with another status).
/// </summary>
public sealed class SalesforceSessionMatcher : IAuthFailureMatcher
{
    /// <summary>The error code Salesforce uses for an expired or revoked session.</summary>
    public const string InvalidSessionId = "INVALID_SESSION_ID";

    /// <summary>The shared instance.</summary>
    public static readonly SalesforceSessionMatcher Instance = new();

    /// <inheritdoc />
    public async ValueTask<bool> IsAuthFailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (BearerChallengeMatcher.IsAuthFailure(response))
        {
            return true;
        }

        if (response.IsSuccessStatusCode || !ResponseBody.IsJson(response))
        {
            return false;
        }

        using var document = await ResponseBody.TryReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        return document is not null && HasInvalidSession(document.RootElement);
    }

    private static bool HasInvalidSession(JsonElement root) => root.ValueKind switch
    {
        JsonValueKind.Array => root.EnumerateArray().Any(HasInvalidSession),
        JsonValueKind.Object => root.TryGetProperty("errorCode", out var code)
            && code.ValueKind == JsonValueKind.String
            && code.ValueEquals(InvalidSessionId),
        _ => false,
    };
}
