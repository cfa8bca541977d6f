using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;

namespace Tokenkeeper.Refresh;

/// <summary>What a refresh does with the answer its requests ended with.</summary>
internal enum RefreshOutcome
{
    /// <summary>The provider issued tokens: commit them.</summary>
    Commit,

    /// <summary>The answer is unusable, but it rotated the refresh token (the one sent is dead): keep the new one, then fail the
    /// cycle like any garbled answer.</summary>
    Salvage,

    /// <summary><c>invalid_grant</c>: the refresh token sent was refused. A person is needed, unless a newer one was stored
    /// meanwhile.</summary>
    GrantRefused,

    /// <summary><c>invalid_client</c>: the client's credentials were refused, before the grant was looked at; every connection of
    /// this client needs a configuration fix, none needs re-authorisation.</summary>
    ClientRejected,

    /// <summary><c>invalid_request</c> and the like: the registration is wrong (a configuration fix, not re-authorisation).</summary>
    Misconfigured,

    /// <summary>A refresh token was sent and the answer may have been lost after the provider acted.</summary>
    InDoubt,

    /// <summary>A failure that may pass (unavailable, rate limited, timed out before sending, garbled): back off and try again.</summary>
    Transient,
}

/// <summary>From the answer a refresh ended with to what it does next, and why a refused grant needs a person, as pure
/// functions.</summary>
internal static class OutcomeClassifier
{
    /// <summary>Classifies <paramref name="result"/>.</summary>
    /// <param name="result">The last answer.</param>
    /// <param name="spendsRefreshToken">Whether the grant sends a refresh token (only then can an answer rotate one, or leave one in
    /// doubt).</param>
    /// <param name="inDoubt">Whether a request of this cycle may have been processed without its answer reaching us.</param>
    public static RefreshOutcome Classify(TokenResult result, bool spendsRefreshToken, bool inDoubt)
    {
        if (result.IsSuccess)
        {
            return RefreshOutcome.Commit;
        }

        if (spendsRefreshToken && result.RotatedRefreshToken is not null)
        {
            return RefreshOutcome.Salvage;
        }

        return result.Failure.Kind switch
        {
            TokenFailureKind.InvalidGrant => RefreshOutcome.GrantRefused,
            TokenFailureKind.InvalidClient => RefreshOutcome.ClientRejected,
            TokenFailureKind.InvalidRequest => RefreshOutcome.Misconfigured,
            _ when spendsRefreshToken && inDoubt => RefreshOutcome.InDoubt,
            _ => RefreshOutcome.Transient,
        };
    }

    /// <summary>Why a refused grant needs a person: a refresh whose answer was lost spent the token (the rotation was lost in
    /// flight); else a refresh token past its known deadline expired; else it was revoked.</summary>
    public static string RefusedGrantReason(bool answerWasLost, bool deadlinePassed) =>
        answerWasLost ? StateReasons.RotationLostInFlight
        : deadlinePassed ? StateReasons.RefreshTokenExpired
        : StateReasons.Revoked;

    /// <summary>Why a refresh in doubt that may not be sent again needs a person: the provider said the token is no longer active
    /// and it is past its known deadline (it expired); otherwise the lost answer rotated it away.</summary>
    public static string GiveUpReason(bool? tokenActive, bool deadlinePassed) =>
        tokenActive == false && deadlinePassed ? StateReasons.RefreshTokenExpired : StateReasons.RotationLostInFlight;
}
