using System.Net;

namespace Tokenkeeper.Http.AuthFailures;

/// <summary>
/// RFC 6750 §3: a 401 is a token failure unless its <c>Bearer</c> challenge names another error (such as
/// <c>invalid_request</c>). A 403 (<c>insufficient_scope</c>) never is: a new token would not help.
/// </summary>
public sealed class BearerChallengeMatcher : IAuthFailureMatcher
{
    /// <summary>The shared instance.</summary>
    public static readonly BearerChallengeMatcher Instance = new();

    /// <inheritdoc />
    public ValueTask<bool> IsAuthFailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        return ValueTask.FromResult(IsAuthFailure(response));
    }

    internal static bool IsAuthFailure(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return false;
        }

        foreach (var challenge in response.Headers.WwwAuthenticate)
        {
            if (!string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var error = BearerChallenge.GetParameter(challenge.Parameter, "error");
            if (error is not null && !string.Equals(error, "invalid_token", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
