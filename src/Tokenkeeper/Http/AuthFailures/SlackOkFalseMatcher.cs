using System.Net;
using System.Text.Json;

namespace Tokenkeeper.Http.AuthFailures;

/// <summary>
/// Slack: auth failures arrive as HTTP 200 with <c>{"ok":false,"error":"token_expired"}</c> (or <c>invalid_auth</c>,
/// <c>token_revoked</c>, <c>not_authed</c>). Plain 401s count too.
/// </summary>
public sealed class SlackOkFalseMatcher : IAuthFailureMatcher
{
    private static readonly string[] AuthErrors = ["token_expired", "invalid_auth", "token_revoked", "not_authed"];

    /// <summary>The shared instance.</summary>
    public static readonly SlackOkFalseMatcher Instance = new();

    /// <inheritdoc />
    public async ValueTask<bool> IsAuthFailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (BearerChallengeMatcher.IsAuthFailure(response))
        {
            return true;
        }

        if (response.StatusCode != HttpStatusCode.OK || !ResponseBody.IsJson(response))
        {
            return false;
        }

        using var document = await ResponseBody.TryReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var root = document.RootElement;
        return root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False
            && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
            && AuthErrors.Contains(error.GetString(), StringComparer.Ordinal);
    }
}
