using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Identity.Client;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// MSAL.NET's confidential client, <c>AcquireTokenForClient</c>, against the simulator's client-credentials grant.
/// </summary>
/// <remarks>
/// MSAL does not talk to an <c>http://</c> authority (see <see cref="ProbeHttpAuthorityAsync"/>, which records what each
/// builder variant says). So MSAL is given an https authority, <see cref="PublicAuthority"/>, and an
/// <see cref="IMsalHttpClientFactory"/> whose handler sends every request to the simulator on loopback (plain http), maps
/// OIDC discovery (<c>/.well-known/openid-configuration</c>, which the simulator does not serve) onto its RFC 8414 metadata,
/// and rewrites the loopback address in that document to the public one. The token requests are real: they reach the
/// simulator's token endpoint, count in its stats and suffer its faults.
/// </remarks>
internal sealed class MsalContender : Contender
{
    public static readonly Uri PublicAuthority = new("https://sim.tokenkeeper.test/");
    private static readonly string[] Scopes = Scope.Split(' ');

    private readonly MsalHttpClientFactory _factory;

    private MsalContender(IConfidentialClientApplication app, MsalHttpClientFactory factory)
    {
        App = app;
        _factory = factory;
    }

    public override string Name => "MSAL.NET AcquireTokenForClient";

    public IConfidentialClientApplication App { get; }

    public override long TokenRequestsSent => _factory.Rewriter.TokenRequests;

    /// <summary>When set, token responses get a <c>refresh_in</c> member (seconds), as Entra ID sends, so MSAL's proactive
    /// refresh can be exercised (MSAL only derives one itself for lifetimes over 2 hours).</summary>
    public int? InjectRefreshIn
    {
        get => _factory.Rewriter.InjectRefreshIn;
        set => _factory.Rewriter.InjectRefreshIn = value;
    }

    /// <summary>An MSAL client whose HTTP goes to <paramref name="target"/>; <paramref name="maxConnections"/> caps its connection
    /// pool (10,000 client sockets plus 10,000 server sockets do not fit this machine's 20,000 file descriptors).</summary>
    public static MsalContender Create(Uri target, int maxConnections = 512)
    {
        var factory = new MsalHttpClientFactory(new LoopbackRewriter(PublicAuthority, target), maxConnections);
        var app = ConfidentialClientApplicationBuilder.Create(ClientId)
            .WithClientSecret(ClientSecret)
            .WithOidcAuthority(PublicAuthority.ToString())
            .WithHttpClientFactory(factory, retryOnceOn5xx: false)
            .Build();
        return new MsalContender(app, factory);
    }

    public Task<AuthenticationResult> AcquireAsync(CancellationToken cancellationToken = default) =>
        App.AcquireTokenForClient(Scopes).ExecuteAsync(cancellationToken);

    public override async ValueTask<string> GetTokenAsync() => (await AcquireAsync().ConfigureAwait(false)).AccessToken;

    public override ValueTask DisposeAsync()
    {
        _factory.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Tries MSAL against the plain-http loopback authority the ways its builder allows; returns one line per variant.</summary>
    public static async Task<List<string>> ProbeHttpAuthorityAsync(Uri simulatorBase)
    {
        var results = new List<string>();
        var authority = simulatorBase.ToString();
        using var factory = new MsalHttpClientFactory(new LoopbackRewriter(simulatorBase, simulatorBase), 16);
        async Task TryAsync(string label, Func<IConfidentialClientApplication> build)
        {
            try
            {
                var app = build();
                var result = await app.AcquireTokenForClient(Scopes).ExecuteAsync();
                results.Add($"{label}: works (token from {result.AuthenticationResultMetadata.TokenSource})");
            }
            catch (Exception ex) when (ex is MsalException or ArgumentException or InvalidOperationException or HttpRequestException or UriFormatException)
            {
                results.Add($"{label}: {ex.GetType().Name}: {FirstLine(ex.Message)}");
            }
        }

        await TryAsync($"WithOidcAuthority(\"{authority}\")", () => ConfidentialClientApplicationBuilder.Create(ClientId)
            .WithClientSecret(ClientSecret).WithOidcAuthority(authority).WithHttpClientFactory(factory).Build());
#pragma warning disable CS0618 // obsolete, but still shipped: part of what is being probed
        await TryAsync($"WithGenericAuthority(\"{authority}\")", () => ConfidentialClientApplicationBuilder.Create(ClientId)
            .WithClientSecret(ClientSecret).WithGenericAuthority(authority).WithHttpClientFactory(factory).Build());
#pragma warning restore CS0618
        await TryAsync($"WithAuthority(\"{authority}tenant\", validateAuthority: false)", () => ConfidentialClientApplicationBuilder.Create(ClientId)
            .WithClientSecret(ClientSecret).WithAuthority(authority + "tenant", validateAuthority: false).WithInstanceDiscovery(false).WithHttpClientFactory(factory).Build());
        return results;
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length > 220 ? line[..220] + "…" : line;
    }

    private sealed class MsalHttpClientFactory(LoopbackRewriter rewriter, int maxConnections) : IMsalHttpClientFactory, IDisposable
    {
        private readonly HttpClient _client = new(new LoopbackRewriterHandler(rewriter)
        {
            InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = maxConnections },
        });

        public LoopbackRewriter Rewriter => rewriter;

        public HttpClient GetHttpClient() => _client;

        public void Dispose() => _client.Dispose();
    }
}

/// <summary>How <see cref="LoopbackRewriterHandler"/> maps a public https authority onto the loopback simulator.</summary>
internal sealed class LoopbackRewriter(Uri publicBase, Uri target)
{
    private readonly string _publicRoot = publicBase.GetLeftPart(UriPartial.Authority);
    private readonly string _targetRoot = target.GetLeftPart(UriPartial.Authority);

    private long _tokenRequests;

    public int? InjectRefreshIn { get; set; }

    public long TokenRequests => Interlocked.Read(ref _tokenRequests);

    public void CountTokenRequest() => Interlocked.Increment(ref _tokenRequests);

    public Uri PublicBase => publicBase;

    public Uri Target => target;

    public string PublicRoot => _publicRoot;

    public string TargetRoot => _targetRoot;
}

/// <summary>Sends MSAL's requests to the simulator (see <see cref="MsalContender"/>).</summary>
internal sealed class LoopbackRewriterHandler(LoopbackRewriter rewriter) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var discovery = uri.AbsolutePath.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal);
        var path = discovery ? "/.well-known/oauth-authorization-server" : uri.PathAndQuery;
        var token = uri.AbsolutePath.EndsWith("/token", StringComparison.Ordinal);
        if (token)
        {
            rewriter.CountTokenRequest();
        }

        request.RequestUri = new Uri(rewriter.Target, path);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (discovery && response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            response.Content = new StringContent(body.Replace(rewriter.TargetRoot, rewriter.PublicRoot, StringComparison.Ordinal), Encoding.UTF8, "application/json");
        }
        else if (rewriter.InjectRefreshIn is { } refreshIn && response.StatusCode == HttpStatusCode.OK && token)
        {
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false))!;
            json["refresh_in"] = refreshIn;
            response.Content = new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return response;
    }
}
