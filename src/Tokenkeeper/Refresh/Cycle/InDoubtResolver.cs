using System.Globalization;
using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Decides what to do about a refresh whose answer may have been lost after the provider acted (DESIGN.md contract 6): the
/// pure rules of <see cref="LostAnswerPolicy"/>, and, where they say so, the provider's own word by introspection (RFC 7662).
/// </summary>
internal sealed class InDoubtResolver(RefreshContext context)
{
    /// <summary>Settles a refresh left in doubt by an earlier request with the refresh token the record holds (a lost answer, a
    /// killed process), before anything is sent: send it again, wait, or give up.</summary>
    public async Task<LostAnswerDecision> SettleAsync(ConnectionRecord record, RefreshIntent pending, TokenEndpointRequest request, ProviderProfile profile)
    {
        var id = record.ConnectionId;
        Log.InDoubt(context.Logger, id, record.RefreshTokenGeneration, record.Tokens?.RefreshToken?.Fingerprint ?? TokenFingerprint.None);
        var decision = Decide(record.Registration, profile, pending.StartedAt, context.Timings.InFlightUntil(pending));
        if (decision.Verdict == LostAnswerVerdict.Introspect)
        {
            decision = await IntrospectAsync(record, request).ConfigureAwait(false);
        }

        Log.InDoubtDecision(context.Logger, id, decision.Verdict.ToString(), decision.Why);
        return decision;
    }

    /// <summary>What the rules say now about a refresh token first sent at <paramref name="firstSent"/> whose latest request may be
    /// at the provider until <paramref name="inFlightUntil"/>.</summary>
    public LostAnswerDecision Decide(ConnectionRegistration registration, ProviderProfile profile, DateTimeOffset firstSent, DateTimeOffset inFlightUntil) =>
        LostAnswerPolicy.Decide(profile, CanIntrospect(registration, profile), firstSent, inFlightUntil, context.Now);

    /// <summary>Whether the provider can be asked about a refresh token: an introspection endpoint, and a client that can
    /// authenticate to it (RFC 7662 section 2.1).</summary>
    public static bool CanIntrospect(ConnectionRegistration registration, ProviderProfile profile) =>
        registration.IntrospectionEndpoint is not null && TokenRequestFactory.AuthMethodOf(registration, profile) != ClientAuthMethod.None;

    /// <summary>What a person reads when a refresh in doubt could not be recovered: when it was sent, which refresh token
    /// (fingerprint), why it was not sent again, and what to do.</summary>
    public static string LostDetail(RefreshIntent intent, LostAnswerDecision decision, TokenEndpointFailure? failure = null) =>
        string.Create(CultureInfo.InvariantCulture, $"the answer to the refresh sent at {intent.StartedAt:O} (refresh token {intent.RefreshTokenFingerprint}) was lost{(failure is null ? "" : $" ({failure.Message})")}, and it may have rotated the refresh token; it was not sent again because {decision.Why}. Authorise the connection again")
        + (decision.TokenActive is null ? ", or give the connection an introspection endpoint or the provider's rotation grace so a lost answer can be recovered next time" : "");

    /// <summary>Asks the provider whether the refresh token of a refresh in doubt is still active: yes means the lost request
    /// never rotated it (send it again); no means it was spent (or revoked); no answer means ask again later.</summary>
    private async Task<LostAnswerDecision> IntrospectAsync(ConnectionRecord record, TokenEndpointRequest request)
    {
        var registration = record.Registration;
        var refreshToken = record.Tokens!.RefreshToken!.Value;
        var answer = await context.Client.IntrospectAsync(registration.IntrospectionEndpoint!, request.Client, refreshToken.Value, "refresh_token", registration.AllowInsecureHttp, CancellationToken.None).ConfigureAwait(false);
        context.Metrics.RecordIntrospection(record.ConnectionId, answer.Active switch { true => "active", false => "inactive", null => TagValue.Of(answer.Failure!.Kind) });
        return answer switch
        {
            { Active: true } => new(LostAnswerVerdict.Resend, "the provider's introspection says the refresh token is still active: the lost request never spent it", TokenActive: true),
            { Active: false } => new(LostAnswerVerdict.GiveUp, "the provider's introspection says the refresh token is no longer active: the lost request spent it", TokenActive: false),
            { IsRetryable: true } => new(LostAnswerVerdict.WaitToIntrospect, $"the provider's introspection could not be asked ({answer.Failure!.Message}); asking again later"),
            _ => new(LostAnswerVerdict.GiveUp, $"the provider's introspection refused to answer ({answer.Failure!.Message})"),
        };
    }
}
