using System.Net;
using Tokenkeeper.Sync;
using Tokenkeeper.Sync.Http;
using Tokenkeeper.Sync.Running;

namespace Tokenkeeper.Tests.Sync.Http;

/// <summary>
/// A token endpoint that refuses connections at the first token request of a run is a wrong URL or a provider that is not
/// running: the step fails at once, naming the token endpoint and the connection (issue 13, item 2). Once the run has had a
/// token, the same refusal is a provider deploying: the step is retried as before.
/// </summary>
public sealed class SyncHttpTests
{
    private const string TokenEndpoint = "http://127.0.0.1:9/oauth/token";

    [Fact]
    public async Task ARefusedTokenEndpoint_AtTheFirstRequest_IsPermanent_NamingTheTokenEndpointAndTheConnection()
    {
        var http = new SyncHttp(new HttpClient(new Scripted(Refused())), "legacy-crm");

        var error = await Assert.ThrowsAsync<SyncStepException>(() => http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://api.example/contacts"), "GET page 1", CancellationToken.None));

        Assert.False(error.Retryable);
        Assert.Equal(SyncFailureKind.Unreachable, error.Failure.Kind);
        Assert.Equal("legacy-crm", error.Failure.ConnectionId);
        Assert.Contains($"Connection 'legacy-crm' cannot reach its token endpoint {TokenEndpoint}", error.Failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("api.example", error.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusedTokenEndpoint_LaterInTheRun_IsRetried()
    {
        var http = new SyncHttp(new HttpClient(new Scripted(null, Refused())), "legacy-crm");
        using var first = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://api.example/contacts"), "GET page 1", CancellationToken.None);

        var thrown = await Record.ExceptionAsync(() => http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://api.example/contacts?cursor=2"), "GET page 2", CancellationToken.None));
        var error = FailureClassifier.Classify(thrown!, "GET page 2");

        Assert.True(error.Retryable);
        Assert.Equal(SyncFailureKind.Unavailable, error.Failure.Kind);
    }

    [Fact]
    public async Task A503FromTheTokenEndpoint_AtTheFirstRequest_IsRetried()
    {
        var unavailable = new TokenEndpointUnavailableException("legacy-crm", "refresh failed: HTTP 503", new TokenEndpointFailure { Kind = TokenFailureKind.Transient, Message = "HTTP 503", StatusCode = 503 });
        var http = new SyncHttp(new HttpClient(new Scripted(unavailable)), "legacy-crm");

        var thrown = await Record.ExceptionAsync(() => http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://api.example/contacts"), "GET page 1", CancellationToken.None));
        var error = FailureClassifier.Classify(thrown!, "GET page 1");

        Assert.True(error.Retryable);
    }

    private static TokenEndpointUnavailableException Refused() => new(
        "legacy-crm",
        "Connection 'legacy-crm': refresh failed: token endpoint unreachable: ConnectionError (ConnectionRefused)",
        new TokenEndpointFailure { Kind = TokenFailureKind.Transient, Message = "token endpoint unreachable: ConnectionError (ConnectionRefused)", Unreachable = true, Endpoint = TokenEndpoint });

    /// <summary>Answers each request with the next scripted outcome: null is a 200, an exception is thrown as the Tokenkeeper
    /// handler throws it.</summary>
    private sealed class Scripted(params Exception?[] outcomes) : HttpMessageHandler
    {
        private int _next;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            outcomes[_next++] is { } failure ? Task.FromException<HttpResponseMessage>(failure) : Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
    }
}
