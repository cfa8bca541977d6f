using System.Net;

namespace Tokenkeeper.Protocol;

/// <summary>Refuses token endpoints that would carry secrets in clear over a network (RFC 9700 §2.6).</summary>
internal static class EndpointSecurity
{
    /// <summary>Throws <see cref="TokenkeeperConfigurationException"/> unless <paramref name="endpoint"/> is HTTPS,
    /// plain HTTP on a loopback address, or <paramref name="allowInsecureHttp"/> is set.</summary>
    public static void EnsureAllowed(Uri endpoint, bool allowInsecureHttp, string what = "token endpoint")
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri)
        {
            throw new TokenkeeperConfigurationException($"The {what} '{endpoint}' is not an absolute URL.");
        }

        if (endpoint.Scheme == Uri.UriSchemeHttps || allowInsecureHttp)
        {
            return;
        }

        if (endpoint.Scheme != Uri.UriSchemeHttp)
        {
            throw new TokenkeeperConfigurationException($"The {what} '{endpoint}' must use https.");
        }

        if (!IsLoopback(endpoint))
        {
            throw new TokenkeeperConfigurationException(
                $"The {what} '{endpoint}' uses plain http on a non-loopback host: tokens would cross the network in clear. Use https, or set AllowInsecureHttp for a test environment.");
        }
    }

    /// <summary>Whether the URL's host is <c>localhost</c> or a loopback address.</summary>
    public static bool IsLoopback(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.IsLoopback || (IPAddress.TryParse(endpoint.IdnHost, out var address) && IPAddress.IsLoopback(address));
    }
}
