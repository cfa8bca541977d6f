namespace Tokenkeeper.Simulator;

/// <summary>
/// The shared start of the revocation and introspection endpoints: a form body, an authenticated client and a
/// <c>token</c> parameter; any problem is answered with the RFC error.
/// </summary>
internal static class TokenManagementRequest
{
    /// <summary>The request's form, client and token; null when an error has been written.</summary>
    /// <param name="context">The request.</param>
    /// <param name="runtime">The simulator.</param>
    /// <param name="authenticator">Authenticates the client.</param>
    /// <param name="introspection">
    /// True at the introspection endpoint (RFC 7662 §2.1, §2.3): the caller must prove its identity
    /// (<c>client_secret_basic</c>, <c>client_secret_post</c> or <c>private_key_jwt</c>; a public client's bare
    /// <c>client_id</c> is refused), and every client-authentication failure is 401 <c>invalid_client</c> with
    /// <c>WWW-Authenticate: Basic</c>. False at the revocation endpoint (RFC 7009 §2.1): a public client may revoke its
    /// own tokens, and failures are answered as at the token endpoint (RFC 6749 §5.2: 401 only when Basic was tried).
    /// </param>
    public static async Task<(IFormCollection Form, RegisteredClient Client, string Token)?> ReadAsync(
        HttpContext context, SimulatorRuntime runtime, ClientAuthenticator authenticator, bool introspection)
    {
        var (form, formError) = await FormReader.ReadAsync(context);
        if (form is null)
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, formError!.Value);
            return null;
        }

        var (authentication, authError) = authenticator.Authenticate(context, form, allowAnonymous: false);
        if (authError is null && introspection && !authentication.IsConfidential)
        {
            authError = OAuthError.InvalidClient(
                $"client '{authentication.Client!.ClientId}' is a public client; introspection needs client authentication ({string.Join(", ", ClientAuthentication.ConfidentialMethods)})",
                basicTried: false);
        }

        if (authError is { } error)
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, introspection ? error.AtIntrospection() : error);
            return null;
        }

        var token = form.Get("token");
        if (token is null)
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, OAuthError.InvalidRequest("token is required"));
            return null;
        }

        return (form, authentication.Client!, token);
    }
}
