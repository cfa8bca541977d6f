namespace Tokenkeeper.Protocol;

/// <summary>
/// Builds the form body of a token endpoint request: the grant's own parameters (<c>grant_type</c> and the refresh token, code and
/// verifier, or assertion it needs), then scope, resource, audience and any extra parameters, in that order; and the
/// <c>token</c>/<c>token_type_hint</c> form that revocation (RFC 7009) and introspection (RFC 7662) send. Client authentication is
/// added afterwards by <see cref="ClientAuthentication"/>.
/// </summary>
internal static class TokenRequestForm
{
    /// <summary>The <c>grant_type</c> of the JWT-bearer grant (RFC 7523 §2.1).</summary>
    public const string JwtBearerGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    /// <summary>The device code grant type URN (RFC 8628 §3.4).</summary>
    public const string DeviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>The form for <paramref name="request"/>'s grant.</summary>
    /// <exception cref="ArgumentException">The grant lacks what it needs (refresh token, code or assertion).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An unknown grant type.</exception>
    public static List<KeyValuePair<string, string>> For(TokenEndpointRequest request)
    {
        var form = new List<KeyValuePair<string, string>>(8);
        switch (request.Grant)
        {
            case OAuthGrantType.RefreshToken:
                var refreshToken = request.RefreshToken ?? throw new ArgumentException("A refresh_token grant needs a refresh token.", nameof(request));
                form.Add(new("grant_type", "refresh_token"));
                form.Add(new("refresh_token", refreshToken.Value));
                break;
            case OAuthGrantType.ClientCredentials:
                form.Add(new("grant_type", "client_credentials"));
                break;
            case OAuthGrantType.AuthorizationCode:
                form.Add(new("grant_type", "authorization_code"));
                form.Add(new("code", request.Code ?? throw new ArgumentException("An authorization_code grant needs a code.", nameof(request))));
                if (request.RedirectUri is not null)
                {
                    form.Add(new("redirect_uri", request.RedirectUri));
                }

                if (request.CodeVerifier is not null)
                {
                    form.Add(new("code_verifier", request.CodeVerifier));
                }

                break;
            case OAuthGrantType.DeviceCode:
                form.Add(new("grant_type", DeviceCodeGrantType));
                form.Add(new("device_code", request.Code ?? throw new ArgumentException("A device_code grant needs the device code.", nameof(request))));
                break;
            case OAuthGrantType.JwtBearer:
                form.Add(new("grant_type", JwtBearerGrantType));
                form.Add(new("assertion", request.Assertion ?? throw new ArgumentException("A JWT-bearer grant needs an assertion.", nameof(request))));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Grant, "Unknown grant type.");
        }

        if (!string.IsNullOrWhiteSpace(request.Scope))
        {
            form.Add(new("scope", request.Scope));
        }

        if (!string.IsNullOrWhiteSpace(request.Resource))
        {
            form.Add(new("resource", request.Resource));
        }

        if (!string.IsNullOrWhiteSpace(request.Audience))
        {
            form.Add(new("audience", request.Audience));
        }

        foreach (var (name, value) in request.ExtraParameters ?? new Dictionary<string, string>())
        {
            form.Add(new(name, value));
        }

        return form;
    }

    /// <summary>The form that asks about or revokes <paramref name="token"/>: <c>token</c>, then <c>token_type_hint</c> when given.</summary>
    public static List<KeyValuePair<string, string>> ForToken(string token, string? tokenTypeHint)
    {
        var form = new List<KeyValuePair<string, string>> { new("token", token) };
        if (tokenTypeHint is not null)
        {
            form.Add(new("token_type_hint", tokenTypeHint));
        }

        return form;
    }
}
