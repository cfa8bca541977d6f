using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Tokenkeeper.Simulator;

/// <summary>
/// Authenticates the client of a token, revocation or introspection request: <c>client_secret_basic</c>
/// (RFC 6749 §2.3.1, id and secret form-urlencoded before base64), <c>client_secret_post</c>,
/// <c>private_key_jwt</c> (RFC 7523 §2.2), or a public client's bare <c>client_id</c>. More than one method in a
/// request is <c>invalid_request</c> (RFC 6749 §2.3).
/// </summary>
internal sealed class ClientAuthenticator(SimulatorRuntime runtime, AssertionValidator assertions)
{
    public const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>The client id the request claims, without checking it; used to key the rate limit.</summary>
    public static string ClaimedClientId(HttpContext context, IFormCollection form)
    {
        if (TryReadBasic(context, out var id, out _) && id is not null)
        {
            return id;
        }

        return form.Get("client_id") ?? JwtParts.TryParse(form.Get("client_assertion"))?.Claim("iss") ?? ClientAuthentication.Anonymous;
    }

    /// <summary>Authenticates the request's client; the error says why not.</summary>
    /// <param name="context">The request (for the Authorization header).</param>
    /// <param name="form">The request's form.</param>
    /// <param name="allowAnonymous">True for grants where client authentication is optional (JWT bearer).</param>
    public (ClientAuthentication Authentication, OAuthError? Error) Authenticate(HttpContext context, IFormCollection form, bool allowAnonymous)
    {
        var basicTried = context.Request.Headers.Authorization.Count > 0
            && context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);
        var postSecret = form.Get("client_secret");
        var assertion = form.Get("client_assertion");
        var assertionType = form.Get("client_assertion_type");
        var formClientId = form.Get("client_id");
        var methods = (basicTried ? 1 : 0) + (postSecret is not null ? 1 : 0) + (assertion is not null || assertionType is not null ? 1 : 0);
        if (methods > 1)
        {
            return Fail(OAuthError.InvalidRequest("more than one client authentication method was used"));
        }

        if (basicTried)
        {
            return AuthenticateBasic(context, formClientId);
        }

        if (postSecret is not null)
        {
            return CheckSecret(runtime.Clients.Find(formClientId), formClientId, postSecret, ClientAuthentication.Post, basicTried: false);
        }

        if (assertion is not null || assertionType is not null)
        {
            return AuthenticateAssertion(assertion, assertionType, formClientId);
        }

        if (formClientId is null)
        {
            return allowAnonymous
                ? (new ClientAuthentication(null, ClientAuthentication.Anonymous), null)
                : Fail(OAuthError.InvalidClient("client authentication is required", basicTried: false));
        }

        var client = runtime.Clients.Find(formClientId);
        if (client is null)
        {
            return Fail(OAuthError.InvalidClient($"unknown client '{formClientId}'", basicTried: false));
        }

        return client.IsPublic
            ? (new ClientAuthentication(client, ClientAuthentication.None), null)
            : Fail(OAuthError.InvalidClient($"client '{formClientId}' must authenticate", basicTried: false));
    }

    private (ClientAuthentication, OAuthError?) AuthenticateBasic(HttpContext context, string? formClientId)
    {
        if (!TryReadBasic(context, out var id, out var secret) || id is null || secret is null)
        {
            return Fail(OAuthError.InvalidClient("the Basic authorization header is malformed", basicTried: true));
        }

        if (formClientId is not null && formClientId != id)
        {
            return Fail(OAuthError.InvalidClient("client_id does not match the Basic authorization header", basicTried: true));
        }

        return CheckSecret(runtime.Clients.Find(id), id, secret, ClientAuthentication.Basic, basicTried: true);
    }

    private static (ClientAuthentication, OAuthError?) CheckSecret(RegisteredClient? client, string? id, string secret, string method, bool basicTried)
    {
        if (client is null)
        {
            return Fail(OAuthError.InvalidClient($"unknown client '{id}'", basicTried));
        }

        if (client.SecretBytes is null)
        {
            return Fail(OAuthError.InvalidClient($"client '{id}' has no secret; it cannot use {method}", basicTried));
        }

        var presented = Encoding.UTF8.GetBytes(secret);
        return CryptographicOperations.FixedTimeEquals(presented, client.SecretBytes)
            ? (new ClientAuthentication(client, method), null)
            : Fail(OAuthError.InvalidClient("client authentication failed", basicTried));
    }

    private (ClientAuthentication, OAuthError?) AuthenticateAssertion(string? assertion, string? assertionType, string? formClientId)
    {
        if (assertionType != AssertionType)
        {
            return Fail(OAuthError.InvalidClient($"client_assertion_type must be {AssertionType}", basicTried: false));
        }

        if (assertion is null)
        {
            return Fail(OAuthError.InvalidRequest("client_assertion is required with client_assertion_type"));
        }

        var result = assertions.Validate(assertion, forGrant: false);
        if (!result.IsValid)
        {
            return Fail(OAuthError.InvalidClient("client assertion rejected: " + result.Problem, basicTried: false));
        }

        if (formClientId is not null && formClientId != result.Client!.ClientId)
        {
            return Fail(OAuthError.InvalidClient("client_id does not match the client assertion's issuer", basicTried: false));
        }

        return (new ClientAuthentication(result.Client, ClientAuthentication.PrivateKeyJwt), null);
    }

    private static (ClientAuthentication, OAuthError?) Fail(OAuthError error) => (default, error);

    /// <summary>Decodes <c>Authorization: Basic</c>: base64 of the form-urlencoded id, a colon, and the form-urlencoded secret.</summary>
    private static bool TryReadBasic(HttpContext context, out string? id, out string? secret)
    {
        id = null;
        secret = null;
        if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization.ToString(), out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrEmpty(header.Parameter))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        id = FormDecode(decoded[..colon]);
        secret = FormDecode(decoded[(colon + 1)..]);
        return true;
    }

    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
}
