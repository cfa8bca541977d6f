namespace Tokenkeeper.Protocol;

/// <summary>
/// Scrubs a request's secrets from a failure before its text goes anywhere. Providers sometimes echo what they were sent in
/// <c>error_description</c>, so every form value that could be a secret (refresh token, code, verifier, assertion, client secret,
/// client assertion, the token being revoked or introspected) and the client's secret are replaced with <c>[redacted]</c> in the
/// failure's description and message. Values shorter than <see cref="TokenEndpointConstants.MinRedactedLength"/> are left alone.
/// </summary>
internal static class SecretRedaction
{
    /// <summary>What replaces a secret in the text.</summary>
    public const string Marker = "[redacted]";

    /// <summary><paramref name="failure"/> with every secret of <paramref name="form"/> and <paramref name="client"/> scrubbed.</summary>
    public static TokenEndpointFailure Redact(TokenEndpointFailure failure, IEnumerable<KeyValuePair<string, string>> form, ClientIdentity client) =>
        Redact(failure, SecretsOf(form, client));

    /// <summary><paramref name="failure"/> with each of <paramref name="secrets"/> scrubbed from its description and message.</summary>
    public static TokenEndpointFailure Redact(TokenEndpointFailure failure, IReadOnlyList<string> secrets)
    {
        string? Scrub(string? text)
        {
            foreach (var secret in secrets)
            {
                text = text?.Replace(secret, Marker, StringComparison.Ordinal);
            }

            return text;
        }

        return failure with { Description = Scrub(failure.Description), Message = Scrub(failure.Message)! };
    }

    /// <summary>The values worth scrubbing: the secret-bearing fields of <paramref name="form"/> and <paramref name="client"/>'s
    /// secret, each at least <see cref="TokenEndpointConstants.MinRedactedLength"/> characters, without duplicates.</summary>
    public static List<string> SecretsOf(IEnumerable<KeyValuePair<string, string>> form, ClientIdentity client)
    {
        var secrets = form
            .Where(p => p.Key is "refresh_token" or "code" or "code_verifier" or "assertion" or "client_secret" or "client_assertion" or "token")
            .Select(p => p.Value)
            .ToList();
        if (client.Secret is { } secret)
        {
            secrets.Add(secret.Value);
        }

        return [.. secrets.Where(s => s.Length >= TokenEndpointConstants.MinRedactedLength).Distinct(StringComparer.Ordinal)];
    }
}
