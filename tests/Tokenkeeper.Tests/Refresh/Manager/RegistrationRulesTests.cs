using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Manager;

/// <summary>The registration and bootstrap rules: a configured refresh token never replaces a live stored one.</summary>
public sealed class RegistrationRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static ConnectionRecord Stored(string refreshToken, ConnectionState state = ConnectionState.Active, string reason = StateReasons.Refreshed, string? bootstrap = null) =>
        RegistrationRules.Initial(ManagerFixture.Definition("crm", refreshToken), Now).WithStatus(state, reason, Now) with { BootstrapHash = new RefreshToken(bootstrap ?? refreshToken).Sha256Hex() };

    [Fact]
    public void ANewConnection_StartsActiveWithItsBootstrapToken_OrWaitsForAuthorisation()
    {
        var bootstrapped = RegistrationRules.Initial(ManagerFixture.Definition("crm", "rt-bootstrap"), Now);
        var pending = RegistrationRules.Initial(ManagerFixture.Definition("crm", null), Now);
        var machine = RegistrationRules.Initial(ManagerFixture.Definition("crm", null, grant: OAuthGrantType.ClientCredentials), Now);

        Assert.Equal((ConnectionState.Active, 1, new RefreshToken("rt-bootstrap")), (bootstrapped.Status.State, bootstrapped.RefreshTokenGeneration, bootstrapped.Tokens!.RefreshToken!.Value));
        Assert.Equal(new RefreshToken("rt-bootstrap").Sha256Hex(), bootstrapped.BootstrapHash);
        Assert.Equal((ConnectionState.PendingAuthorization, 0), (pending.Status.State, pending.RefreshTokenGeneration));
        Assert.Equal(ConnectionState.Active, machine.Status.State);
    }

    [Fact]
    public void ALiveStoredGrant_WinsOverTheConfiguredToken()
    {
        Assert.Equal(BootstrapVerdict.StoredWins, RegistrationRules.JudgeBootstrap(Stored("rt-rotated-since", bootstrap: "rt-bootstrap"), new RefreshToken("rt-bootstrap")));
        Assert.Equal(BootstrapVerdict.StoredWins, RegistrationRules.JudgeBootstrap(Stored("rt-live", ConnectionState.ReconnectRequired, StateReasons.InvalidClient), new RefreshToken("rt-other")));
        Assert.Equal(BootstrapVerdict.AlreadyHeld, RegistrationRules.JudgeBootstrap(Stored("rt-same"), new RefreshToken("rt-same")));
    }

    [Fact]
    public void ADeadGrant_IsReplacedByANewToken_ButNotByTheOneThatStartedIt()
    {
        var dead = Stored("rt-rotated", ConnectionState.ReconnectRequired, StateReasons.Revoked, bootstrap: "rt-bootstrap");

        Assert.Equal(BootstrapVerdict.Spent, RegistrationRules.JudgeBootstrap(dead, new RefreshToken("rt-bootstrap")));
        Assert.Equal(BootstrapVerdict.Reauthorize, RegistrationRules.JudgeBootstrap(dead, new RefreshToken("rt-new-consent")));
        var disabledWhileDead = dead.WithStatus(ConnectionState.Disabled, StateReasons.DisabledByOperator, Now) with { StatusBeforeDisabled = dead.Status };
        Assert.True(RegistrationRules.GrantIsDead(disabledWhileDead));
    }

    [Fact]
    public void AChangedRegistration_GivesAClientErrorAnotherChance_ButNotARefusedGrant()
    {
        var clientError = Stored("rt", ConnectionState.ReconnectRequired, StateReasons.InvalidClient);
        var revoked = Stored("rt", ConnectionState.ReconnectRequired, StateReasons.Revoked);
        var fixedSecret = clientError.Registration with { ClientSecret = new ClientSecret("the-right-one") };

        Assert.Equal(ConnectionState.Active, RegistrationRules.Reconfigured(clientError, fixedSecret, Now).Status.State);
        Assert.Equal(ConnectionState.ReconnectRequired, RegistrationRules.Reconfigured(revoked, fixedSecret, Now).Status.State);
        Assert.Same(revoked, RegistrationRules.Reconfigured(revoked, revoked.Registration, Now));
    }

    [Fact]
    public void AnAuthorisation_StartsAFreshGeneration_AndForgetsFailuresAndWarnings()
    {
        var failing = Stored("rt-old", ConnectionState.ReconnectRequired, StateReasons.Revoked) with { ConsecutiveFailures = 4, LastError = "invalid_grant", WarnedDeadline = Now };
        var tokens = TokenSets.FromRefreshToken(new RefreshToken("rt-new"), Now);

        var authorised = RegistrationRules.Authorized(failing, tokens, null, Now);

        Assert.Equal((ConnectionState.Active, failing.RefreshTokenGeneration + 1, 0), (authorised.Status.State, authorised.RefreshTokenGeneration, authorised.ConsecutiveFailures));
        Assert.Equal(((string?)null, (DateTimeOffset?)null, Now), (authorised.LastError, authorised.WarnedDeadline, authorised.AuthorizedAt!.Value));
        Assert.Equal(ConnectionState.Disabled, RegistrationRules.Authorized(failing.WithStatus(ConnectionState.Disabled, StateReasons.DisabledByOperator, Now), tokens, null, Now).Status.State);
    }
}
