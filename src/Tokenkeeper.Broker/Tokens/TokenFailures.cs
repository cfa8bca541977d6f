using Microsoft.AspNetCore.Http;
using Tokenkeeper.Broker.Problems;
using Tokenkeeper.Connections;

namespace Tokenkeeper.Broker.Tokens;

/// <summary>
/// From why no token could be had to the answer: 409 when a person must act (<c>reconnect_required</c>,
/// <c>pending_authorization</c>, <c>disabled</c>), 422 for a <c>min_validity</c> no token reaches, 503
/// <c>temporarily_unavailable</c> with <c>Retry-After</c> for what passes (the provider, our store, a held lease, a client
/// configuration on hold). Every answer says the <c>cause</c>; a store fault is <c>infrastructure</c>, never a credential error.
/// </summary>
internal static class TokenFailures
{
    /// <summary>The <c>error</c> member the caller gets for <paramref name="failure"/> (also the audit's outcome).</summary>
    public static string ErrorOf(TokenAcquisitionException failure) => failure switch
    {
        ReconnectRequiredException { Reason: StateReasons.NotAuthorized } => "pending_authorization",
        ReconnectRequiredException => "reconnect_required",
        ConnectionDisabledException => "disabled",
        MinValidityUnattainableException => "min_validity_unattainable",
        _ => "temporarily_unavailable",
    };

    /// <summary>The problem for <paramref name="failure"/>.</summary>
    public static IResult ToProblem(TokenAcquisitionException failure, DateTimeOffset now)
    {
        var cause = failure.Cause is { } known ? FailureCauses.Name(known) : null;
        switch (failure)
        {
            case ReconnectRequiredException { Reason: StateReasons.NotAuthorized }:
                return Problem.Of(StatusCodes.Status409Conflict, "pending_authorization", "The connection is not authorised yet.", $"Connection '{failure.ConnectionId}' has no grant yet: authorise it (tokenkeeper connect {failure.ConnectionId}).", new Dictionary<string, object?> { ["cause"] = cause });
            case ReconnectRequiredException reconnect:
                return Problem.Of(StatusCodes.Status409Conflict, "reconnect_required", "The connection needs to be authorised again.", failure.Message, new Dictionary<string, object?>
                {
                    ["reason"] = reconnect.Reason,
                    ["cause"] = cause,
                    ["reconnect_url"] = null,
                });
            case ConnectionDisabledException:
                return Problem.Of(StatusCodes.Status409Conflict, "disabled", "The connection is disabled.", failure.Message, new Dictionary<string, object?> { ["cause"] = cause });
            case MinValidityUnattainableException unattainable:
                return Problem.Of(StatusCodes.Status422UnprocessableEntity, "min_validity_unattainable", "No token of this connection stays valid that long.", failure.Message, new Dictionary<string, object?>
                {
                    ["token_lifetime_seconds"] = (long)unattainable.Lifetime.TotalSeconds,
                });
            default:
                var retry = failure switch
                {
                    ConnectionMisconfiguredException { RetryNotBefore: { } at } => at - now,
                    TokenEndpointUnavailableException { RetryNotBefore: { } at } => at - now,
                    _ => BrokerConstants.DefaultRetryAfter,
                };
                return Problem.Of(
                    StatusCodes.Status503ServiceUnavailable,
                    "temporarily_unavailable",
                    "No valid token can be had right now.",
                    failure.Cause == FailureCause.Infrastructure ? "Tokenkeeper's store or lease is unavailable; ask again shortly (the service log says more)." : failure.Message,
                    new Dictionary<string, object?>
                    {
                        ["cause"] = cause,
                        ["reason"] = failure is ConnectionMisconfiguredException misconfigured ? misconfigured.Reason : null,
                    },
                    retry > TimeSpan.Zero ? retry : BrokerConstants.DefaultRetryAfter);
        }
    }
}
