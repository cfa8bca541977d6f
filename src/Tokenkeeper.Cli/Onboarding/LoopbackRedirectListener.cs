using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Tokenkeeper.Cli.Onboarding;

/// <summary>
/// Receives the authorization redirect on a loopback address (RFC 8252 §7.3): exactly the host, port and path of the
/// connection's redirect URI, or a free port when the URI names none. It speaks just enough HTTP/1.1 for a browser's GET:
/// a request to another path gets a 404 and is ignored; the redirect is answered with a plain page once the caller knows how
/// the authorisation ended.
/// </summary>
internal sealed partial class LoopbackRedirectListener : IDisposable
{
    private readonly TcpListener _listener;
    private readonly string _path;

    private LoopbackRedirectListener(TcpListener listener, Uri redirectUri, string redirectText, Match authority)
    {
        _listener = listener;
        _path = redirectUri.AbsolutePath;

        // The URI is named as given (providers compare it as a string), with the port it got inserted when it named none.
        RedirectUri = authority.Groups["port"].Success
            ? redirectText
            : redirectText.Insert(authority.Length, $":{((IPEndPoint)listener.LocalEndpoint).Port}");
    }

    /// <summary>The redirect URI to name in the authorization request (with the port actually listened on).</summary>
    public string RedirectUri { get; }

    /// <summary>Starts listening for <paramref name="redirectUri"/>: on the loopback address it names (an IP literal, or
    /// 127.0.0.1 for <c>localhost</c>), on its port or a free one.</summary>
    /// <exception cref="TokenkeeperConfigurationException">Not a loopback http URI, or its port is taken.</exception>
    public static LoopbackRedirectListener Start(string redirectUri)
    {
        var authority = Authority().Match(redirectUri);
        if (!authority.Success || !Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) || !uri.IsLoopback)
        {
            throw new TokenkeeperConfigurationException($"The redirect URI '{redirectUri}' is not a loopback http:// address this machine can listen on. Use --paste to finish the authorisation by pasting the final redirect URL.");
        }

        var host = authority.Groups["host"].Value.Trim('[', ']');
        var address = IPAddress.TryParse(host, out var literal) ? literal : IPAddress.Loopback;
        var port = authority.Groups["port"].Success ? int.Parse(authority.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            throw new TokenkeeperConfigurationException($"Cannot listen on {uri.GetLeftPart(UriPartial.Authority)} for the redirect: {ex.SocketErrorCode} (is another program using that port?). Free the port, or register a loopback redirect URI without a port so a free one is used.", ex);
        }

        return new LoopbackRedirectListener(listener, uri, redirectUri, authority);
    }

    /// <summary>Waits for the browser's request to the redirect path; returns its full URL and a way to answer it. A connection
    /// that sends nothing within <see cref="CliConstants.RedirectReadTimeout"/>, breaks, or asks for another path is answered (or
    /// dropped) and the wait goes on.</summary>
    public async Task<(Uri Url, Func<bool, string, Task> RespondAsync)> NextRedirectAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var client = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            var stream = client.GetStream();
            string? target;
            try
            {
                using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                reading.CancelAfter(CliConstants.RedirectReadTimeout);
                target = await ReadRequestTargetAsync(stream, reading.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                client.Dispose(); // silent, broken or too slow: not the browser's redirect
                continue;
            }

            if (target is null || !target.StartsWith(_path, StringComparison.Ordinal) || (target.Length > _path.Length && target[_path.Length] != '?'))
            {
                await WriteAsync(stream, 404, "Not the redirect path.").ConfigureAwait(false);
                client.Dispose();
                continue;
            }

            var url = new Uri(new Uri(RedirectUri), target);
            return (url, async (ok, message) =>
            {
                using (client)
                {
                    await WriteAsync(stream, ok ? 200 : 400, message).ConfigureAwait(false);
                }
            });
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>The request-target of a GET (path and query), or null for anything else; reads at most 16 KiB of head.</summary>
    private static async Task<string?> ReadRequestTargetAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[CliConstants.MaxRedirectRequestBytes];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
            if (Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                break;
            }
        }

        var line = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n", 2)[0].Split(' ');
        return line is ["GET", var target, _] ? target : null;
    }

    private static async Task WriteAsync(NetworkStream stream, int status, string message)
    {
        var body = Encoding.UTF8.GetBytes($"<!doctype html><meta charset=\"utf-8\"><title>Tokenkeeper</title><p>{WebUtility.HtmlEncode(message)}</p>\n");
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {(status == 200 ? "OK" : status == 404 ? "Not Found" : "Bad Request")}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n");
        try
        {
            await stream.WriteAsync(head).ConfigureAwait(false);
            await stream.WriteAsync(body).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The browser went away: the outcome stands, it just does not see the page.
        }
    }

    /// <summary>The scheme and authority of an http URI as written: its host (an IP literal, bracketed for IPv6, or a name) and
    /// its port when it names one.</summary>
    [GeneratedRegex(@"^http://(?<host>\[[^\]/]+\]|[^/:?#\[\]]+)(:(?<port>\d{1,5}))?(?=[/?#]|$)", RegexOptions.CultureInvariant)]
    private static partial Regex Authority();
}
