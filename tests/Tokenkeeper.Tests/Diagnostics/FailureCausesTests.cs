using Tokenkeeper.Connections;

namespace Tokenkeeper.Tests.Diagnostics;

/// <summary>Every failure names whose problem it is: the grant's, the client configuration's, the provider's, or ours.</summary>
public sealed class FailureCausesTests
{
    [Theory]
    [InlineData(TokenFailureKind.InvalidGrant, false, FailureCause.Credential)]
    [InlineData(TokenFailureKind.InvalidClient, false, FailureCause.ClientConfiguration)]
    [InlineData(TokenFailureKind.InvalidRequest, false, FailureCause.ClientConfiguration)]
    [InlineData(TokenFailureKind.Transient, false, FailureCause.Provider)]
    [InlineData(TokenFailureKind.RateLimited, false, FailureCause.Provider)]
    [InlineData(TokenFailureKind.Protocol, false, FailureCause.Provider)]
    [InlineData(TokenFailureKind.Transient, true, FailureCause.Infrastructure)] // refused, DNS, TLS: it never reached the provider
    public void ATokenEndpointFailure_HasTheCauseOfItsKind(TokenFailureKind kind, bool unreachable, FailureCause expected)
    {
        Assert.Equal(expected, FailureCauses.Of(new TokenEndpointFailure { Kind = kind, Message = "m", Unreachable = unreachable }));
    }

    [Theory]
    [InlineData(StateReasons.Revoked, FailureCause.Credential)]
    [InlineData(StateReasons.RefreshTokenExpired, FailureCause.Credential)]
    [InlineData(StateReasons.RotationLostInFlight, FailureCause.Credential)]
    [InlineData(StateReasons.InvalidClient, FailureCause.ClientConfiguration)]
    [InlineData(StateReasons.ConfigurationError, FailureCause.ClientConfiguration)]
    [InlineData(StateReasons.RefreshFailing, null)]
    [InlineData(StateReasons.DisabledByOperator, null)]
    public void AStateReason_StandsForItsCause(string reason, FailureCause? expected)
    {
        Assert.Equal(expected, FailureCauses.OfStateReason(reason));
    }

    [Fact]
    public void Names_AreTheWireNames_AndReadBack()
    {
        Assert.Equal(["credential", "client_configuration", "provider", "infrastructure"], Enum.GetValues<FailureCause>().Select(FailureCauses.Name));
        Assert.All(Enum.GetValues<FailureCause>(), c => Assert.True(FailureCauses.TryParse(FailureCauses.Name(c), out var back) && back == c));
        Assert.False(FailureCauses.TryParse("Credential", out _));
        Assert.Equal("\"client_configuration\"", System.Text.Json.JsonSerializer.Serialize(FailureCause.ClientConfiguration, new System.Text.Json.JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } }));
    }

    [Fact]
    public void Exceptions_CarryTheirCause()
    {
        Assert.Equal(FailureCause.Infrastructure, new TokenStoreUnavailableException("c", "locked").Cause);
        Assert.Equal(FailureCause.Credential, new ReconnectRequiredException("c", StateReasons.Revoked, null).Cause);
        Assert.Equal(FailureCause.ClientConfiguration, new ConnectionMisconfiguredException("c", "client", StateReasons.InvalidClient, null).Cause);
        Assert.Equal(FailureCause.Provider, new TokenEndpointUnavailableException("c", "503", new TokenEndpointFailure { Kind = TokenFailureKind.Transient, Message = "503" }).Cause);
        Assert.Equal(FailureCause.Infrastructure, new TokenEndpointUnavailableException("c", "lease", null, cause: FailureCause.Infrastructure).Cause);
        Assert.Null(new ConnectionDisabledException("c", null).Cause);
    }
}
