using System.Net.Http.Headers;
using System.Text;
using Tokenkeeper.Connections;

namespace Tokenkeeper.Protocol;

/// <summary>
/// Applies a client's authentication to a request bound for a token, revocation or introspection endpoint:
/// <c>client_secret_basic</c> as an <c>Authorization: Basic</c> header (id and secret form-encoded first, RFC 6749 §2.3.1),
/// <c>client_secret_post</c> as <c>client_id</c>/<c>client_secret</c> form fields, <c>private_key_jwt</c> as a freshly signed
/// client assertion addressed to the endpoint (RFC 7523 §2.2), and <c>none</c> as a bare <c>client_id</c>.
/// </summary>
internal static class ClientAuthentication
{
    /// <summary>The <c>client_assertion_type</c> of a JWT client assertion (RFC 7523 §2.2).</summary>
    public const string JwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>Adds <paramref name="client"/>'s credentials to <paramref name="message"/>'s headers or to <paramref name="form"/>.
    /// A client assertion is audienced to <paramref name="endpoint"/> without its query and issued now on <paramref name="time"/>.</summary>
    /// <exception cref="TokenkeeperConfigurationException">The method needs a secret or signing key the client does not have.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An unknown authentication method.</exception>
    public static void Apply(HttpRequestMessage message, List<KeyValuePair<string, string>> form, ClientIdentity client, Uri endpoint, TimeProvider time)
    {
        switch (client.AuthMethod)
        {
            case ClientAuthMethod.ClientSecretBasic:
                var secret = client.Secret ?? throw new TokenkeeperConfigurationException($"Client '{client.ClientId}' uses client_secret_basic but has no client secret.");
                var raw = FormEncoding.Encode(client.ClientId) + ":" + FormEncoding.Encode(secret.Value);
                message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)));
                break;
            case ClientAuthMethod.ClientSecretPost:
                var postSecret = client.Secret ?? throw new TokenkeeperConfigurationException($"Client '{client.ClientId}' uses client_secret_post but has no client secret.");
                form.Add(new("client_id", client.ClientId));
                form.Add(new("client_secret", postSecret.Value));
                break;
            case ClientAuthMethod.PrivateKeyJwt:
                var key = client.SigningKey ?? throw new TokenkeeperConfigurationException($"Client '{client.ClientId}' uses private_key_jwt but has no signing key.");
                form.Add(new("client_id", client.ClientId));
                form.Add(new("client_assertion_type", JwtBearerAssertionType));
                form.Add(new("client_assertion", JwtAssertion.Create(key, client.ClientId, client.ClientId, endpoint.GetLeftPart(UriPartial.Path), time.GetUtcNow(), TokenEndpointConstants.ClientAssertionLifetime)));
                break;
            case ClientAuthMethod.None:
                form.Add(new("client_id", client.ClientId));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(client), client.AuthMethod, "Unknown client authentication method.");
        }
    }
}
