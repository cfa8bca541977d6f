using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Net.Sockets;
using Tokenkeeper.Protocol;

namespace Tokenkeeper.Tests.Protocol;

public sealed class TokenEndpointExchangeTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 1, 2, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task AResponse_ComesBackWithItsStatusMediaTypeBodyAndChallenge()
    {
        var outcome = await SendAsync(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StringContent("{\"error\":\"invalid_client\"}", System.Text.Encoding.UTF8, "application/json") };
            response.Headers.WwwAuthenticate.ParseAdd("Basic realm=\"token\"");
            return Task.FromResult(response);
        });

        Assert.Null(outcome.Failure);
        Assert.Equal(401, outcome.Status);
        Assert.Equal("application/json", outcome.MediaType);
        Assert.Equal("{\"error\":\"invalid_client\"}"u8.ToArray(), outcome.Body);
        Assert.True(outcome.BasicChallenge);
    }

    [Fact]
    public async Task ARedirect_IsNotFollowed_ButIsAProtocolFailure_NamingWhereItPointed()
    {
        var outcome = await SendAsync(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.TemporaryRedirect);
            response.Headers.Location = new Uri("https://elsewhere.example/token?x=1");
            return Task.FromResult(response);
        });

        Assert.Equal(TokenFailureKind.Protocol, outcome.Failure!.Kind);
        Assert.Equal(307, outcome.Failure.StatusCode);
        Assert.False(outcome.Failure.MaybeProcessed);
        Assert.Contains("'https://elsewhere.example/token'", outcome.Failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABodyOverTheCap_DeclaredOrNot_IsAProtocolFailure_ThatMayHaveBeenProcessed(bool declared)
    {
        var outcome = await SendAsync(_ =>
        {
            var bytes = new byte[TokenEndpointConstants.MaxResponseBytes + 1];
            HttpContent content = declared ? new ByteArrayContent(bytes) : new StreamContent(new UnseekableStream(bytes));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        });

        Assert.Equal(TokenFailureKind.Protocol, outcome.Failure!.Kind);
        Assert.Equal(200, outcome.Failure.StatusCode);
        Assert.True(outcome.Failure.MaybeProcessed);
    }

    [Fact]
    public async Task ABodyOfExactlyTheCap_IsRead()
    {
        var content = await TokenEndpointExchange.ReadCappedAsync(new StreamContent(new UnseekableStream(new byte[TokenEndpointConstants.MaxResponseBytes])), CancellationToken.None);

        Assert.Equal(TokenEndpointConstants.MaxResponseBytes, content!.Length);
    }

    [Fact]
    public async Task ARefusedConnection_IsTransient_Unreachable_AndKnownNotToHaveBeenProcessed()
    {
        var outcome = await SendAsync(_ => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused", new SocketException((int)SocketError.ConnectionRefused)));

        Assert.Equal(TokenFailureKind.Transient, outcome.Failure!.Kind);
        Assert.False(outcome.Failure.MaybeProcessed);
        Assert.True(outcome.Failure.Unreachable);
        Assert.Equal("https://identity.example/token", outcome.Failure.Endpoint);
        Assert.Equal("token endpoint unreachable: ConnectionError (ConnectionRefused)", outcome.Failure.Message);
    }

    [Fact]
    public async Task TheEndpointOfAFailure_NeverCarriesCredentialsOrAQuery()
    {
        using var http = new HttpClient(new Stub(_ => throw new HttpRequestException(HttpRequestError.ConnectionError, "refused")));
        using var message = new HttpRequestMessage(HttpMethod.Post, "https://app:s3cret@identity.example/token?tenant=x");

        var outcome = await new TokenEndpointExchange(http, _clock, TimeSpan.FromSeconds(5)).SendAsync(message, CancellationToken.None);

        Assert.Equal("https://identity.example/token", outcome.Failure!.Endpoint);
    }

    [Fact]
    public async Task AConnectionThatDroppedAfterSending_MayHaveBeenProcessed()
    {
        var outcome = await SendAsync(_ => throw new HttpRequestException(HttpRequestError.ResponseEnded, "ended"));

        Assert.Equal(TokenFailureKind.Transient, outcome.Failure!.Kind);
        Assert.True(outcome.Failure.MaybeProcessed);
        Assert.False(outcome.Failure.Unreachable); // it got through: a run that fails on this is not told the URL is wrong
    }

    [Fact]
    public async Task AConnectionThatBrokeWhileTheBodyWasRead_MayHaveBeenProcessed()
    {
        var outcome = await SendAsync(_ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new BrokenStream()) }));

        Assert.Equal(TokenFailureKind.Transient, outcome.Failure!.Kind);
        Assert.True(outcome.Failure.MaybeProcessed);
        Assert.Contains("IOException", outcome.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoAnswerWithinTheTimeout_OnTheInjectedClock_IsTransient_AndMayHaveBeenProcessed()
    {
        var sending = SendAsync(async cancellationToken =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        Assert.False(sending.IsCompleted);

        _clock.Advance(TimeSpan.FromSeconds(5));
        var outcome = await sending;

        Assert.Equal(TokenFailureKind.Transient, outcome.Failure!.Kind);
        Assert.True(outcome.Failure.MaybeProcessed);
        Assert.Equal("token endpoint did not answer within 5 s", outcome.Failure.Message);
    }

    [Fact]
    public async Task CallerCancellation_IsThrown_NotTurnedIntoAFailure()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SendAsync(
            cancellationToken => Task.FromCanceled<HttpResponseMessage>(cancellationToken), cancel.Token));
    }

    [Theory]
    [InlineData(HttpRequestError.ConnectionError, true)]
    [InlineData(HttpRequestError.NameResolutionError, true)]
    [InlineData(HttpRequestError.SecureConnectionError, true)]
    [InlineData(HttpRequestError.ResponseEnded, false)]
    [InlineData(HttpRequestError.Unknown, false)]
    public void OnlyFailuresToConnect_AreConnectFailures(HttpRequestError error, bool connect)
    {
        Assert.Equal(connect, TokenEndpointExchange.IsConnectFailure(new HttpRequestException(error, "x")));
    }

    [Fact]
    public void ARefusedSocketUnderAnUnknownError_IsAConnectFailure()
    {
        Assert.True(TokenEndpointExchange.IsConnectFailure(new HttpRequestException(HttpRequestError.Unknown, "x", new SocketException((int)SocketError.ConnectionRefused))));
    }

    private async Task<RawResponse> SendAsync(Func<CancellationToken, Task<HttpResponseMessage>> answer, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient(new Stub(answer));
        using var message = new HttpRequestMessage(HttpMethod.Post, "https://identity.example/token");
        return await new TokenEndpointExchange(http, _clock, TimeSpan.FromSeconds(5)).SendAsync(message, cancellationToken);
    }

    private sealed class Stub(Func<CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => answer(cancellationToken);
    }

    /// <summary>A body with no length to declare, so only reading it finds it too long.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    private sealed class BrokenStream : MemoryStream
    {
        public override bool CanSeek => false;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => throw new IOException("connection reset");

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw new IOException("connection reset");
    }
}
