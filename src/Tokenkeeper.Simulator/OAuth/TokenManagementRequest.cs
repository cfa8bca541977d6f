namespace Tokenkeeper.Simulator;

/// <summary>
/// The shared start of the revocation and introspection endpoints: a form body, an authenticated client and a
/// <c>token</c> parameter; any problem is answered with the RFC error.
/// </summary>
internal static class TokenManagementRequest
{
    /// <summary>The request's form, client and token; null when an error has been written.</summary>
    public static async Task<(IFormCollection Form, RegisteredClient Client, string Token)?> ReadAsync(
        HttpContext context, SimulatorRuntime runtime, ClientAuthenticator authenticator)
    {
        var (form, formError) = await FormReader.ReadAsync(context);
        if (form is null)
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, formError!.Value);
            return null;
        }

        var (authentication, authError) = authenticator.Authenticate(context, form, allowAnonymous: false);
        if (authError is { } error)
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, error);
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
