using System.Net;
using System.Text;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// An in-memory OAuth server for the BenchmarkDotNet suites, where no network is wanted: OIDC discovery (for MSAL) and a
/// client-credentials token endpoint answering 1-hour opaque tokens. Token requests can be made to hang (<see cref="Hang"/>),
/// to hold a refresh in flight for as long as a benchmark runs.
/// </summary>
internal sealed class StubIdentityProvider : HttpMessageHandler
{
    public static readonly Uri Authority = new("https://idp.bench.invalid/");
    public static readonly Uri TokenEndpoint = new(Authority, "oauth/token");
    public static readonly Uri Api = new(Authority, "api/contacts?limit=1");

    private static readonly string Discovery = """
        {"issuer":"https://idp.bench.invalid","authorization_endpoint":"https://idp.bench.invalid/oauth/authorize",
         "token_endpoint":"https://idp.bench.invalid/oauth/token","jwks_uri":"https://idp.bench.invalid/.well-known/jwks.json",
         "response_types_supported":["code"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"],
         "scopes_supported":["contacts:read","contacts:write"]}
        """;

    private int _tokenRequests;

    /// <summary>When set, token requests wait for this task before answering.</summary>
    public Task? Hang { get; set; }

    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (path.EndsWith("/.well-known/openid-configuration", StringComparison.Ordinal))
        {
            return Json(Discovery, request);
        }

        if (path == "/oauth/token")
        {
            var n = Interlocked.Increment(ref _tokenRequests);
            if (Hang is { } hang)
            {
                await hang.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return Json($$"""{"access_token":"stub-access-token-{{n:D6}}-abcdefghijklmnopqrstuvwxyz","token_type":"Bearer","expires_in":3600,"scope":"contacts:read contacts:write"}""", request);
        }

        return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request };
    }

    private static HttpResponseMessage Json(string body, HttpRequestMessage request) => new(HttpStatusCode.OK)
    {
        RequestMessage = request,
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };
}

/// <summary>The resource API's answer, without a network: 200 and no body, to the request it was given.</summary>
internal sealed class StubApiHandler : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request });
}
