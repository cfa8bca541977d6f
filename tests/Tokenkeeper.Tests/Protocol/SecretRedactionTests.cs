using Tokenkeeper.Protocol;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Protocol;

public sealed class SecretRedactionTests
{
    private static readonly ClientIdentity Client = new() { ClientId = "client-1", Secret = new ClientSecret("client-secret-value") };

    [Fact]
    public void EverySecretOfTheForm_EchoedInTheDescriptionOrMessage_IsReplaced()
    {
        List<KeyValuePair<string, string>> form =
        [
            new("grant_type", "refresh_token"),
            new("refresh_token", "refresh-token-value"),
            new("code", "the-authorization-code"),
            new("code_verifier", "the-code-verifier"),
            new("assertion", "the-jwt-assertion"),
            new("client_assertion", "the-client-assertion"),
            new("token", "the-introspected-token"),
        ];
        var failure = Failure(
            description: "bad refresh-token-value, the-authorization-code, the-code-verifier, the-jwt-assertion",
            message: "the-client-assertion and the-introspected-token rejected");

        var redacted = SecretRedaction.Redact(failure, form, Client);

        Assert.Equal("bad [redacted], [redacted], [redacted], [redacted]", redacted.Description);
        Assert.Equal("[redacted] and [redacted] rejected", redacted.Message);
    }

    [Fact]
    public void TheClientSecret_IsReplaced_EvenWhenItTravelledInAHeaderNotTheForm()
    {
        var failure = Failure(description: "secret client-secret-value is wrong", message: "invalid_client: client-secret-value");

        var redacted = SecretRedaction.Redact(failure, [new("grant_type", "client_credentials")], Client);

        Assert.Equal("secret [redacted] is wrong", redacted.Description);
        Assert.Equal("invalid_client: [redacted]", redacted.Message);
    }

    [Fact]
    public void FieldsThatAreNotSecrets_AreLeftAsTheyAre()
    {
        List<KeyValuePair<string, string>> form = [new("grant_type", "client_credentials"), new("scope", "contacts:read"), new("client_id", "client-1")];
        var failure = Failure(description: "client_credentials for client-1 may not ask for contacts:read", message: "invalid_scope");

        var redacted = SecretRedaction.Redact(failure, form, Client with { Secret = null });

        Assert.Equal(failure, redacted);
    }

    [Fact]
    public void ValuesShorterThanTheMinimum_AreNotScrubbed_SoShortSecretsDoNotMangleEverySentence()
    {
        var shortCode = new string('e', TokenEndpointConstants.MinRedactedLength - 1);
        var longCode = new string('e', TokenEndpointConstants.MinRedactedLength);

        var secrets = SecretRedaction.SecretsOf([new("code", shortCode), new("code_verifier", longCode), new("refresh_token", longCode)], Client with { Secret = null });

        Assert.Equal([longCode], secrets);
    }

    [Fact]
    public void AFailureWithoutADescription_KeepsNone()
    {
        var redacted = SecretRedaction.Redact(Failure(description: null, message: "refresh-token-value expired"), [new("refresh_token", "refresh-token-value")], Client);

        Assert.Null(redacted.Description);
        Assert.Equal("[redacted] expired", redacted.Message);
    }

    private static TokenEndpointFailure Failure(string? description, string message) => new()
    {
        Kind = TokenFailureKind.InvalidGrant,
        Error = "invalid_grant",
        StatusCode = 400,
        Description = description,
        Message = message,
    };
}
