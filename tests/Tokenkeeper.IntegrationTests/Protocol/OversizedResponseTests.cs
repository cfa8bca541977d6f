using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Hosting;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Protocol;

/// <summary>
/// The 256 KiB cap on token responses (<see cref="TokenEndpointConstants.MaxResponseBytes"/>), over real loopback HTTP against a
/// tiny Kestrel token endpoint: a body declared too large is refused from its headers without being downloaded; a chunked body
/// (no length) is refused as soon as it passes the cap. Either way the refresh fails with a typed protocol error, in doubt,
/// and the stored tokens are exactly what they were. A body of exactly the cap is still accepted.
/// </summary>
public sealed class OversizedResponseTests : IAsyncLifetime
{
    private const string ConnectionId = "crm";
    private const string ClientSecret = "stub-secret";
    private const int WriteSize = 16 * 1024;

    /// <summary>A declared body this many times the cap: large enough that downloading it would be a visible mistake.</summary>
    private const int DeclaredMultiple = 64;

    /// <summary>How long (real time) the declared-length answer waits for the client to hang up before giving up on it.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 14, 8, 0, 0, TimeSpan.Zero));
    private readonly TaskCompletionSource _clientHungUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _endpoint = null!;
    private Uri _tokenEndpoint = null!;
    private HttpClient _http = null!;
    private TokenManager _manager = null!;
    private volatile string _mode = Modes.Ok;
    private int _issued;
    private int _requests;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _endpoint = builder.Build();
        _endpoint.MapPost("/token", AnswerAsync);
        await _endpoint.StartAsync();
        _tokenEndpoint = new Uri(_endpoint.Urls.First().TrimEnd('/') + "/token");

        _http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
        _manager = new TokenManager(new InMemoryTokenStore(_clock), new TokenEndpointClient(_http, _clock), new TokenManagerOptions { MaxAttempts = 1 }, _clock);
        await _manager.RegisterAsync(new ConnectionOptions
        {
            TokenEndpoint = _tokenEndpoint,
            ClientId = "stub-client",
            ClientSecret = ClientSecret,
            RefreshToken = "rt-bootstrap-" + Guid.NewGuid().ToString("N"),

            // A provider whose old refresh token works for a while after rotation: an answer in doubt stays in doubt (to be sent
            // again inside the grace), rather than ending in rotation_lost_in_flight as it would at a provider that may not allow it.
            Rotation = Connections.RefreshTokenRotation.RotatingWithGrace,
            RotationGrace = TimeSpan.FromMinutes(30),
        }.ToDefinition(ConnectionId));
    }

    public async Task DisposeAsync()
    {
        await _manager.DisposeAsync();
        _http.Dispose();
        await _endpoint.StopAsync();
        await _endpoint.DisposeAsync();
    }

    [Theory]
    [InlineData(Modes.DeclaredOverCap)]
    [InlineData(Modes.ChunkedOverCap)]
    public async Task ATokenResponseOverTheCap_IsATypedProtocolError_InDoubt_AndTheStoredTokensAreUntouched(string mode)
    {
        var served = await _manager.GetAccessTokenAsync(ConnectionId);
        var before = (await _manager.GetConnectionAsync(ConnectionId))!;
        _mode = mode;

        var error = await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => _manager.RefreshAsync(ConnectionId).WaitAsync(Patience));

        Assert.Equal(2, Volatile.Read(ref _requests));
        var failure = error.Failure!;
        Assert.Equal(TokenFailureKind.Protocol, failure.Kind);
        Assert.Equal(200, failure.StatusCode);
        Assert.True(failure.MaybeProcessed, "an oversized 200 may have rotated the refresh token: the refresh must be in doubt");
        Assert.Contains($"exceeds {TokenEndpointConstants.MaxResponseBytes} bytes", failure.Message, StringComparison.Ordinal);

        var after = (await _manager.GetConnectionAsync(ConnectionId))!;
        Assert.Equal(before.Tokens!.AccessToken, after.Tokens!.AccessToken);
        Assert.Equal(before.Tokens.RefreshToken, after.Tokens.RefreshToken);
        Assert.Equal(before.Tokens.ExpiresAt, after.Tokens.ExpiresAt);
        Assert.Equal(before.RefreshTokenGeneration, after.RefreshTokenGeneration);
        Assert.True(after.PendingRefresh?.ResponseLost, "the refresh that got an oversized answer is not recorded as in doubt");
        Assert.Equal(served.Token, (await _manager.GetAccessTokenAsync(ConnectionId)).Token);

        if (mode == Modes.DeclaredOverCap)
        {
            // Refused from the headers: the client hung up instead of reading what the server was willing to send.
            await _clientHungUp.Task.WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task ATokenResponseOfExactlyTheCap_IsAccepted()
    {
        var first = await _manager.GetAccessTokenAsync(ConnectionId);
        _mode = Modes.ChunkedAtCap;

        var refreshed = await _manager.RefreshAsync(ConnectionId).WaitAsync(Patience);

        Assert.NotEqual(first.Token, refreshed.Token);
        Assert.Equal(refreshed.Token, (await _manager.GetConnectionAsync(ConnectionId))!.Tokens!.AccessToken);
    }

    [Fact]
    public async Task TheStub_SendsTheShapesTheTestsClaim()
    {
        // Guards the tests above: the chunked answers carry no length (as the token client sees them, headers first), the
        // declared one declares far more than the cap.
        using var raw = new HttpClient();
        _mode = Modes.ChunkedOverCap;
        using (var chunked = await PostHeadersFirstAsync(raw))
        {
            Assert.True(chunked.Headers.TransferEncodingChunked);
            Assert.Null(chunked.Content.Headers.ContentLength);
            Assert.Equal(TokenEndpointConstants.MaxResponseBytes + 1, (await chunked.Content.ReadAsByteArrayAsync()).Length);
        }

        _mode = Modes.ChunkedAtCap;
        using (var atCap = await PostHeadersFirstAsync(raw))
        {
            Assert.Null(atCap.Content.Headers.ContentLength);
            Assert.Equal(TokenEndpointConstants.MaxResponseBytes, (await atCap.Content.ReadAsByteArrayAsync()).Length);
        }

        _mode = Modes.DeclaredOverCap;
        using var declared = await PostHeadersFirstAsync(raw);
        Assert.Equal((long)TokenEndpointConstants.MaxResponseBytes * DeclaredMultiple, declared.Content.Headers.ContentLength);
    }

    private async Task<HttpResponseMessage> PostHeadersFirstAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _tokenEndpoint) { Content = new StringContent("") };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private async Task AnswerAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var response = context.Response;
        response.ContentType = "application/json";
        try
        {
            switch (_mode)
            {
                case Modes.Ok:
                    var small = TokenJson(0);
                    response.ContentLength = small.Length;
                    await response.Body.WriteAsync(small, context.RequestAborted);
                    break;
                case Modes.DeclaredOverCap:
                    // Declare a huge body, send its start, then wait: a client that reads it would wait here with us.
                    response.ContentLength = (long)TokenEndpointConstants.MaxResponseBytes * DeclaredMultiple;
                    await response.Body.WriteAsync(TokenJson(WriteSize), context.RequestAborted);
                    await response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(Patience, context.RequestAborted);
                    break;
                case Modes.ChunkedOverCap:
                    await WriteChunkedAsync(response, TokenJson(TokenEndpointConstants.MaxResponseBytes + 1), context.RequestAborted);
                    break;
                case Modes.ChunkedAtCap:
                    await WriteChunkedAsync(response, TokenJson(TokenEndpointConstants.MaxResponseBytes), context.RequestAborted);
                    break;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            _clientHungUp.TrySetResult();
        }
    }

    private static async Task WriteChunkedAsync(HttpResponse response, byte[] body, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < body.Length; offset += WriteSize)
        {
            await response.Body.WriteAsync(body.AsMemory(offset, Math.Min(WriteSize, body.Length - offset)), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
    }

    /// <summary>A valid token response with fresh tokens, padded to <paramref name="size"/> bytes (0: unpadded). Were the cap not
    /// enforced, it would be accepted and the stored tokens replaced.</summary>
    private byte[] TokenJson(int size)
    {
        var n = Interlocked.Increment(ref _issued);
        var fields = $"\"access_token\":\"at-{n}-{Guid.NewGuid():N}\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"refresh_token\":\"rt-{n}-{Guid.NewGuid():N}\"";
        var json = "{" + fields + "}";
        if (size > 0)
        {
            var empty = "{" + fields + ",\"x_padding\":\"\"}";
            json = "{" + fields + ",\"x_padding\":\"" + new string('x', size - Encoding.UTF8.GetByteCount(empty)) + "\"}";
        }

        var bytes = Encoding.UTF8.GetBytes(json);
        using var parsed = JsonDocument.Parse(bytes);
        Assert.True(size == 0 || bytes.Length == size);
        return bytes;
    }

    private static class Modes
    {
        public const string Ok = "ok";
        public const string DeclaredOverCap = "declared-over-cap";
        public const string ChunkedOverCap = "chunked-over-cap";
        public const string ChunkedAtCap = "chunked-at-cap";
    }
}
