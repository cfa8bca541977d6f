namespace Tokenkeeper.Simulator;

/// <summary>
/// Verifies a JWT signed by a registered client: a <c>private_key_jwt</c> client assertion (RFC 7523 §2.2, where
/// <c>sub</c> is the client) or a JWT-bearer grant assertion (RFC 7523 §2.1, where <c>sub</c> is a known user).
/// The signature (RS256 or ES256) is checked against the client's registered public key; <c>aud</c> must be the
/// token endpoint URL or the issuer; <c>exp</c> must be in the future and <c>nbf</c>, if present, not; <c>jti</c>
/// is required and may be used once.
/// </summary>
internal sealed class AssertionValidator(SimulatorRuntime runtime)
{
    public AssertionResult Validate(string? jwt, bool forGrant)
    {
        var parts = JwtParts.TryParse(jwt);
        if (parts is null)
        {
            return AssertionResult.Fail("the assertion is not a well-formed JWT");
        }

        var algorithm = parts.Algorithm;
        if (algorithm is not ("RS256" or "ES256"))
        {
            return AssertionResult.Fail($"assertion algorithm '{algorithm}' is not accepted; use RS256 or ES256");
        }

        var issuer = parts.Claim("iss");
        var client = runtime.Clients.Find(issuer);
        if (client is null)
        {
            return AssertionResult.Fail($"assertion issuer '{issuer}' is not a registered client");
        }

        if (client.PublicKeyPem is null)
        {
            return AssertionResult.Fail($"client '{client.ClientId}' has no registered public key", client);
        }

        if (client.KeyAlgorithm != algorithm || !ClientKeys.Verify(client.PublicKeyPem, algorithm, parts.SigningInput, parts.Signature))
        {
            return AssertionResult.Fail("the assertion signature does not verify against the client's registered key", client);
        }

        var subject = parts.Claim("sub");
        if (!forGrant && subject != client.ClientId)
        {
            return AssertionResult.Fail("a client assertion's sub must equal its iss (the client id)", client);
        }

        if (forGrant && !runtime.Clients.IsKnownUser(subject))
        {
            return AssertionResult.Fail($"assertion subject '{subject}' is not a known user", client);
        }

        if (!parts.Audiences().Any(a => a == runtime.TokenEndpointUrl || a == runtime.Issuer))
        {
            return AssertionResult.Fail($"assertion aud must be '{runtime.TokenEndpointUrl}' or '{runtime.Issuer}'", client);
        }

        var now = runtime.Clock.UtcNow;
        if (parts.TimeClaim("exp") is not { } expires)
        {
            return AssertionResult.Fail("the assertion has no exp", client);
        }

        if (expires <= now)
        {
            return AssertionResult.Fail("the assertion has expired", client);
        }

        if (parts.TimeClaim("nbf") is { } notBefore && notBefore > now)
        {
            return AssertionResult.Fail("the assertion is not valid yet (nbf)", client);
        }

        var id = parts.Claim("jti");
        if (string.IsNullOrEmpty(id))
        {
            return AssertionResult.Fail("the assertion has no jti", client);
        }

        var ids = runtime.State.AssertionIds;
        var key = client.ClientId + "\n" + id;
        if (!ids.TryAdd(key, expires))
        {
            if (!ids.TryGetValue(key, out var seenUntil) || seenUntil > now || !ids.TryUpdate(key, expires, seenUntil))
            {
                return AssertionResult.Fail("the assertion's jti was already used", client);
            }
        }

        return new AssertionResult(client, subject!, null);
    }
}

/// <summary>The outcome of <see cref="AssertionValidator.Validate"/>: the signing client and subject, or why not.</summary>
internal readonly record struct AssertionResult(RegisteredClient? Client, string? Subject, string? Problem)
{
    public bool IsValid => Problem is null;

    public static AssertionResult Fail(string problem, RegisteredClient? client = null) => new(client, null, problem);
}
