using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>From the answer a refresh ended with to what it does next, and why a refused grant needs a person.</summary>
public sealed class OutcomeClassifierTests
{
    private static TokenResult Failed(TokenFailureKind kind) => TokenResult.Failed(new TokenEndpointFailure { Kind = kind, Message = kind.ToString() });

    [Fact]
    public void TokensAreCommitted()
    {
        var now = DateTimeOffset.UnixEpoch;
        var success = TokenResult.Success(new TokenSet { AccessToken = new AccessToken("at"), IssuedAt = now, ExpiresAt = now.AddHours(1) });

        Assert.Equal(RefreshOutcome.Commit, OutcomeClassifier.Classify(success, spendsRefreshToken: true, inDoubt: true));
    }

    [Fact]
    public void AnUnusableAnswerThatRotated_IsSalvaged_ButOnlyWhenARefreshTokenWasSpent()
    {
        var garbled = TokenResult.FailedAfterRotation(new TokenEndpointFailure { Kind = TokenFailureKind.Protocol, Message = "bad expires_in" }, new RefreshToken("rt-new"));

        Assert.Equal(RefreshOutcome.Salvage, OutcomeClassifier.Classify(garbled, spendsRefreshToken: true, inDoubt: false));
        Assert.Equal(RefreshOutcome.Transient, OutcomeClassifier.Classify(garbled, spendsRefreshToken: false, inDoubt: false));
    }

    [Theory]
    [InlineData(TokenFailureKind.InvalidGrant, nameof(RefreshOutcome.GrantRefused))]
    [InlineData(TokenFailureKind.InvalidClient, nameof(RefreshOutcome.ClientRejected))]
    [InlineData(TokenFailureKind.InvalidRequest, nameof(RefreshOutcome.Misconfigured))]
    [InlineData(TokenFailureKind.Transient, nameof(RefreshOutcome.InDoubt))]
    [InlineData(TokenFailureKind.RateLimited, nameof(RefreshOutcome.InDoubt))]
    public void ARefusal_SaysWhatWasRefused_AndAnythingElseAfterALostAnswerIsInDoubt(TokenFailureKind kind, string outcome)
    {
        Assert.Equal(Enum.Parse<RefreshOutcome>(outcome), OutcomeClassifier.Classify(Failed(kind), spendsRefreshToken: true, inDoubt: true));
    }

    [Fact]
    public void AFailureWithNothingInDoubt_OrWithoutARefreshToken_IsTransient()
    {
        Assert.Equal(RefreshOutcome.Transient, OutcomeClassifier.Classify(Failed(TokenFailureKind.Transient), spendsRefreshToken: true, inDoubt: false));
        Assert.Equal(RefreshOutcome.Transient, OutcomeClassifier.Classify(Failed(TokenFailureKind.Transient), spendsRefreshToken: false, inDoubt: true));
    }

    [Theory]
    [InlineData(true, true, StateReasons.RotationLostInFlight)]
    [InlineData(false, true, StateReasons.RefreshTokenExpired)]
    [InlineData(false, false, StateReasons.Revoked)]
    public void ARefusedGrant_IsBlamedOnALostAnswer_ThenOnItsDeadline_ThenOnRevocation(bool lost, bool deadlinePassed, string reason)
    {
        Assert.Equal(reason, OutcomeClassifier.RefusedGrantReason(lost, deadlinePassed));
    }

    [Theory]
    [InlineData(false, true, StateReasons.RefreshTokenExpired)]
    [InlineData(false, false, StateReasons.RotationLostInFlight)]
    [InlineData(null, true, StateReasons.RotationLostInFlight)]
    public void ARefreshInDoubtGivenUp_ExpiredOnlyWhenTheProviderSaysInactiveAfterTheDeadline(bool? active, bool deadlinePassed, string reason)
    {
        Assert.Equal(reason, OutcomeClassifier.GiveUpReason(active, deadlinePassed));
    }
}
