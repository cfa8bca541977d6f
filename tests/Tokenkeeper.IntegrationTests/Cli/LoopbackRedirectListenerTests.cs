using System.Net;
using System.Net.Sockets;
using Tokenkeeper.Cli.Onboarding;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>
/// The loopback listener <c>tokenkeeper connect</c> receives the redirect on (RFC 8252 §7.3), on real sockets: the redirect URI
/// it names is the registered one as written, with only the port it got added; a local socket that sends nothing, or breaks,
/// does not keep the browser's redirect waiting.
/// </summary>
public sealed class LoopbackRedirectListenerTests
{
    [Theory]
    [InlineData("http://127.0.0.1/callback")]
    [InlineData("http://127.0.0.1/cb?x=a%20b")]
    [InlineData("http://127.0.0.1/cb?next=127.0.0.1:9000")]
    [InlineData("http://[::1]/callback")]
    public void A_uri_without_a_port_is_named_as_written_with_the_free_port_it_got(string registered)
    {
        using var listener = LoopbackRedirectListener.Start(registered);

        var named = listener.RedirectUri;
        var port = new Uri(named).Port;

        Assert.NotEqual(80, port);
        var authorityEnd = registered.IndexOf('/', "http://".Length);
        Assert.Equal(registered.Insert(authorityEnd, $":{port}"), named);
    }

    [Fact]
    public void A_uri_with_a_port_is_named_unchanged()
    {
        using var free = new TcpListener(IPAddress.Loopback, 0);
        free.Start();
        var port = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();

        using var listener = LoopbackRedirectListener.Start($"http://127.0.0.1:{port}/callback");

        Assert.Equal($"http://127.0.0.1:{port}/callback", listener.RedirectUri);
    }

    [Fact]
    public async Task A_silent_or_broken_local_connection_does_not_keep_the_redirect_waiting()
    {
        using var listener = LoopbackRedirectListener.Start("http://127.0.0.1/callback");
        var port = new Uri(listener.RedirectUri).Port;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var waiting = listener.NextRedirectAsync(timeout.Token);

        using var silent = new TcpClient();
        await silent.ConnectAsync(IPAddress.Loopback, port); // connects and says nothing
        using (var broken = new TcpClient())
        {
            await broken.ConnectAsync(IPAddress.Loopback, port);
            broken.Client.LingerState = new LingerOption(true, 0); // closes with a reset
        }

        using var http = new HttpClient();
        var browser = http.GetStringAsync($"{listener.RedirectUri}?code=c&state=s", timeout.Token);
        var (url, respond) = await waiting;
        await respond(true, "done");

        Assert.Equal("?code=c&state=s", url.Query);
        Assert.Contains("done", await browser, StringComparison.Ordinal);
    }
}
