namespace Tokenkeeper.Simulator;

/// <summary>
/// Whether a redirect URI is one a client registered: exactly (RFC 6749 §3.1.2.3; no prefix or wildcard matching), or, for a
/// registered loopback IP literal (<c>http://127.0.0.1/callback</c>, <c>http://[::1]/callback</c>), the same URI on any port,
/// as RFC 8252 §7.3 requires of authorization servers so that native apps can listen on whatever port is free.
/// </summary>
internal static class RedirectUris
{
    public static bool IsRegistered(IEnumerable<string> registered, string requested) =>
        registered.Any(r => r == requested || SameLoopbackAnyPort(r, requested));

    private static bool SameLoopbackAnyPort(string registered, string requested) =>
        Uri.TryCreate(registered, UriKind.Absolute, out var r)
        && Uri.TryCreate(requested, UriKind.Absolute, out var q)
        && r.Scheme == Uri.UriSchemeHttp && q.Scheme == Uri.UriSchemeHttp
        && r.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && r.IsLoopback
        && string.Equals(r.Host, q.Host, StringComparison.OrdinalIgnoreCase)
        && r.AbsolutePath == q.AbsolutePath
        && r.Query == q.Query;
}
