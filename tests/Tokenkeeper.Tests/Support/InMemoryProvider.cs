using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Tokenkeeper.Tests.Support;

/// <summary>
/// An in-memory OAuth token endpoint for fast tests (no sockets): issues numbered tokens, rotates refresh tokens, and can be
/// scripted to answer the next requests with failures or to hold answers until released. The real provider is the simulator,
/// exercised over loopback in the integration tests.
/// </summary>
internal sealed class InMemoryProvider : HttpMessageHandler
{
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<Func<IReadOnlyDictionary<string, string>, HttpResponseMessage>> _script = new();
    private readonly ConcurrentDictionary<string, bool> _liveRefreshTokens = new();
    private int _issued;
    private int _requests;
    private int _active;

    public InMemoryProvider(TimeProvider time) => _time = time;

    public static readonly Uri TokenEndpoint = new("https://provider.test/oauth/token");

    /// <summary>RFC 7662 introspection: <c>active</c> is whether the presented refresh token is live.</summary>
    public static readonly Uri IntrospectionEndpoint = new("https://provider.test/oauth/introspect");

    /// <summary>While set, introspection requests are answered with this status and an empty body.</summary>
    public HttpStatusCode? IntrospectionFailsWith { get; set; }

    /// <summary>When each introspection request arrived (on the provider's clock).</summary>
    public ConcurrentQueue<DateTimeOffset> Introspections { get; } = new();

    /// <summary>Access-token lifetime stated as expires_in; null omits it.</summary>
    public TimeSpan? AccessTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Each refresh returns a new refresh token and kills the old one.</summary>
    public bool Rotate { get; set; } = true;

    /// <summary>While set, every request is answered with this status and an empty body (a dead endpoint).</summary>
    public HttpStatusCode? FailWith { get; set; }

    /// <summary>Runs before a refresh request is answered, with the refresh token it presents.</summary>
    public Func<string, Task>? BeforeRefresh { get; set; }

    /// <summary>While set, every request waits for it before answering.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests being answered right now.</summary>
    public int Active => Volatile.Read(ref _active);

    public ConcurrentQueue<string> PresentedRefreshTokens { get; } = new();

    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Forms { get; } = new();

    /// <summary>Answers the next request with <paramref name="responder"/> instead of the default behaviour.</summary>
    public void Enqueue(Func<IReadOnlyDictionary<string, string>, HttpResponseMessage> responder) => _script.Enqueue(responder);

    /// <summary>Answers the next request with a status and JSON body.</summary>
    public void Enqueue(HttpStatusCode status, string json, TimeSpan? retryAfter = null) => Enqueue(_ =>
    {
        var response = Json(status, json);
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(wait);
        }

        return response;
    });

    /// <summary>Processes the next refresh normally (rotation happens), then loses the response.</summary>
    public void EnqueueDropAfter() => Enqueue(form =>
    {
        _ = Issue(form);
        throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely (test: drop-after).");
    });

    /// <summary>Loses the next request before it is processed (nothing rotates), in a way the client cannot tell from a lost answer.</summary>
    public void EnqueueLostBeforeProcessing() => Enqueue(_ =>
        throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely (test: lost before processing)."));

    /// <summary>Processes the next refresh normally (rotation happens), then garbles the answer's <c>expires_in</c>: a 200 that
    /// carries the only live refresh token next to a lifetime nobody can read.</summary>
    public void EnqueueRotatedButGarbled() => Enqueue(form =>
    {
        var issued = Issue(form);
        var payload = System.Text.Json.Nodes.JsonNode.Parse(issued.Content.ReadAsStringAsync().GetAwaiter().GetResult())!.AsObject();
        payload["expires_in"] = "soon";
        issued.Content = new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json");
        return issued;
    });

    /// <summary>Creates a grant and returns its first refresh token.</summary>
    public string NewRefreshToken()
    {
        var token = $"rt-{Interlocked.Increment(ref _issued)}-{Guid.NewGuid():N}";
        _liveRefreshTokens[token] = true;
        return token;
    }

    /// <summary>Makes <paramref name="refreshToken"/> a live grant, as if this provider had issued it (a store written elsewhere).</summary>
    public void Accept(string refreshToken) => _liveRefreshTokens[refreshToken] = true;

    public void Revoke(string refreshToken) => _liveRefreshTokens.TryRemove(refreshToken, out _);

    public void RevokeAll() => _liveRefreshTokens.Clear();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A request counts as in flight until its response is disposed (the client has read the body), so the clock driver
        // never fires a request timeout while a response is still being read.
        Interlocked.Increment(ref _active);
        HttpResponseMessage response;
        try
        {
            response = await AnswerAsync(request, cancellationToken);
        }
        catch
        {
            Interlocked.Decrement(ref _active);
            throw;
        }

        response.Content = new TrackedContent(response.Content, () => Interlocked.Decrement(ref _active));
        return response;
    }

    /// <summary>Wraps a response body and reports when it is disposed.</summary>
    private sealed class TrackedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private Action? _onDispose;

        public TrackedContent(HttpContent inner, Action onDispose)
        {
            _inner = inner;
            _onDispose = onDispose;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => _inner.CopyToAsync(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Interlocked.Exchange(ref _onDispose, null)?.Invoke();
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private async Task<HttpResponseMessage> AnswerAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var form = body.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");
        if (request.RequestUri == IntrospectionEndpoint)
        {
            Introspections.Enqueue(_time.GetUtcNow());
            return IntrospectionFailsWith is { } failure
                ? new HttpResponseMessage(failure) { RequestMessage = request, Content = new StringContent("") }
                : Json(HttpStatusCode.OK, _liveRefreshTokens.ContainsKey(form.GetValueOrDefault("token") ?? "") ? """{"active":true,"token_type":"refresh_token"}""" : """{"active":false}""");
        }

        Interlocked.Increment(ref _requests);
        Forms.Enqueue(form);
        if (form.TryGetValue("refresh_token", out var presented))
        {
            PresentedRefreshTokens.Enqueue(presented);
            if (BeforeRefresh is { } hook)
            {
                await hook(presented);
            }
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (FailWith is { } status)
        {
            return new HttpResponseMessage(status) { RequestMessage = request, Content = new StringContent("") };
        }

        if (_script.TryDequeue(out var scripted))
        {
            var response = scripted(form);
            response.RequestMessage = request;
            return response;
        }

        var issued = Issue(form);
        issued.RequestMessage = request;
        return issued;
    }

    private HttpResponseMessage Issue(IReadOnlyDictionary<string, string> form)
    {
        var grant = form.GetValueOrDefault("grant_type");
        string? refresh = null;
        if (grant == "refresh_token")
        {
            var presented = form.GetValueOrDefault("refresh_token") ?? "";
            if (!_liveRefreshTokens.ContainsKey(presented))
            {
                return Json(HttpStatusCode.BadRequest, """{"error":"invalid_grant","error_description":"refresh token is invalid"}""");
            }

            if (Rotate)
            {
                _liveRefreshTokens.TryRemove(presented, out _);
                refresh = NewRefreshToken();
            }
        }

        var n = Interlocked.Increment(ref _issued);
        var payload = new Dictionary<string, object> { ["access_token"] = $"at-{n}-{Guid.NewGuid():N}", ["token_type"] = "Bearer" };
        if (AccessTtl is { } ttl)
        {
            payload["expires_in"] = (int)ttl.TotalSeconds;
        }

        if (refresh is not null)
        {
            payload["refresh_token"] = refresh;
        }

        var ok = Json(HttpStatusCode.OK, JsonSerializer.Serialize(payload));
        ok.Headers.Date = _time.GetUtcNow();
        return ok;
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
