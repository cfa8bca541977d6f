using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Sync;

/// <summary>How <see cref="FrontApi"/> tells the client where the next page is.</summary>
public enum PagingStyle
{
    /// <summary><c>{"data":[…],"paging":{"next":{"link":"/crm/contacts?after=200&amp;limit=100"}},"total":N}</c>: a relative
    /// next URL at a dotted path, absent on the last page (HubSpot-like).</summary>
    NextUrl,

    /// <summary>The body is the bare records array; the next page is the RFC 8288 <c>Link: &lt;…&gt;; rel="next"</c> header,
    /// after a <c>rel="prev"</c> link (GitHub-like).</summary>
    LinkHeader,

    /// <summary><c>{"results":[…],"next_offset":200,"count":N}</c>: a numeric cursor sent back as <c>?offset=</c>, null on the
    /// last page.</summary>
    NumericCursor,
}

/// <summary>
/// A small real API on loopback in front of the simulator. <c>GET /crm/contacts</c> serves the simulator's contacts in another
/// pagination style (<see cref="PagingStyle"/>): each page is fetched from the simulator's <c>/api/contacts</c> with the
/// caller's own bearer token, so the simulator checks every token (scope, expiry, revocation) and the data is its dataset.
/// <c>POST /crm/batch</c> records each batch's key and raw body, then passes it to the simulator's
/// <c>/api/contacts/batch</c>, which stores it (honouring <c>Idempotency-Key</c>). A page can be held until released, so a
/// test can stop a sync at a known point.
/// </summary>
internal sealed class FrontApi : IAsyncDisposable
{
    public const string ContactsPath = "/crm/contacts";
    public const string BatchPath = "/crm/batch";

    private readonly WebApplication _app;
    private readonly SimulatorServer _simulator;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
    private readonly object _gate = new();
    private int _holdAt = -1;
    private int _waiting;
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _abandoned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FrontApi(WebApplication app, SimulatorServer simulator, PagingStyle style)
    {
        _app = app;
        _simulator = simulator;
        Style = style;
    }

    public PagingStyle Style { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public Uri ContactsUrl => new(BaseAddress, ContactsPath);

    public Uri BatchUrl => new(BaseAddress, BatchPath);

    /// <summary>The offset of every page served (status 200), in order.</summary>
    public ConcurrentQueue<int> PagesServed { get; } = new();

    /// <summary>Requests being held right now (several clients may wait for the same held page).</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Every batch received: its <c>Idempotency-Key</c> and raw body, in order.</summary>
    public ConcurrentQueue<(string Key, string Body)> Batches { get; } = new();

    /// <summary>Completes when a request for the held page has arrived (and is being held).</summary>
    public Task PageHeld
    {
        get
        {
            lock (_gate)
            {
                return _held.Task;
            }
        }
    }

    public static async Task<FrontApi> StartAsync(SimulatorServer simulator, PagingStyle style = PagingStyle.NextUrl)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var api = new FrontApi(app, simulator, style);
        app.MapGet(ContactsPath, api.PageAsync);
        app.MapPost(BatchPath, api.BatchAsync);
        await app.StartAsync();
        api.BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return api;
    }

    /// <summary>
    /// Completes when a held request's client went away (killed, or it cancelled) before <see cref="Release"/>: that request
    /// ends unanswered. Kestrel notices the closed connection asynchronously, some time after the client is gone, so a test
    /// that stopped the client waits for this before it releases: otherwise the dead client's request could still be let
    /// through and served (and counted in <see cref="PagesServed"/>) by the release.
    /// </summary>
    public Task HeldPageAbandoned
    {
        get
        {
            lock (_gate)
            {
                return _abandoned.Task;
            }
        }
    }

    /// <summary>Requests for the page at <paramref name="offset"/> wait until <see cref="Release"/> (or until the client goes away).</summary>
    public void Hold(int offset)
    {
        lock (_gate)
        {
            _holdAt = offset;
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _abandoned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets held requests through and holds nothing from now on.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _holdAt = -1;
            _release.TrySetResult();
        }
    }

    /// <summary>Points the job's source at this API, paged in its <see cref="Style"/>.</summary>
    public void ConfigureSource(JsonObject job)
    {
        var source = job["job"]!["source"]!.AsObject();
        foreach (var key in new[] { "itemsField", "cursorField", "cursorParam", "nextField", "pagination", "totalField" })
        {
            source.Remove(key);
        }

        source["url"] = ContactsUrl.ToString();
        source["limitParam"] = "limit";
        switch (Style)
        {
            case PagingStyle.NextUrl:
                source["itemsField"] = "data";
                source["nextField"] = "paging.next.link";
                source["totalField"] = "total";
                break;
            case PagingStyle.LinkHeader:
                source["itemsField"] = null;
                source["pagination"] = "link";
                break;
            case PagingStyle.NumericCursor:
                source["itemsField"] = "results";
                source["cursorField"] = "next_offset";
                source["cursorParam"] = "offset";
                source["totalField"] = "count";
                break;
        }
    }

    /// <summary>Points the job's destination at this API's <c>/crm/batch</c>, which records each batch and passes it on.</summary>
    public void ConfigureDestination(JsonObject job) => job["job"]!["destination"]!["url"] = BatchUrl.ToString();

    /// <summary>The URL of the page at <paramref name="offset"/>, as the API links it (absolute).</summary>
    public Uri PageUrl(int offset, int limit) => new(BaseAddress, PageLink(offset, limit));

    private string PageLink(int offset, int limit) => string.Create(CultureInfo.InvariantCulture, $"{ContactsPath}?{OffsetParam}={offset}&limit={limit}");

    private string OffsetParam => Style == PagingStyle.NumericCursor ? "offset" : "after";

    private async Task PageAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var offset = query.TryGetValue(OffsetParam, out var after) ? int.Parse(after.ToString(), CultureInfo.InvariantCulture) : 0;
        var limit = int.Parse(query["limit"].ToString(), CultureInfo.InvariantCulture);
        Task release;
        TaskCompletionSource? abandoned = null;
        lock (_gate)
        {
            release = offset == _holdAt ? _release.Task : Task.CompletedTask;
            if (offset == _holdAt)
            {
                abandoned = _abandoned;
                _held.TrySetResult();
            }
        }

        var waiting = abandoned is not null ? Interlocked.Increment(ref _waiting) : 0;
        try
        {
            await release.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            abandoned?.TrySetResult();
            return;
        }
        finally
        {
            if (waiting > 0)
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        var upstreamUrl = string.Create(CultureInfo.InvariantCulture, $"api/contacts?limit={limit}&cursor={ContactCursor.Encode(offset)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_simulator.BaseAddress, upstreamUrl));
        if (context.Request.Headers.Authorization.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
        }

        using var response = await _upstream.SendAsync(request, context.RequestAborted);
        var body = await response.Content.ReadAsStringAsync(context.RequestAborted);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            await RelayAsync(context, response, body);
            return;
        }

        var page = JsonNode.Parse(body)!.AsObject();
        var items = page["items"]!.DeepClone();
        var total = (int)page["total"]!;
        var next = offset + limit < total ? offset + limit : (int?)null;
        JsonNode answer;
        switch (Style)
        {
            case PagingStyle.NextUrl:
                answer = new JsonObject
                {
                    ["data"] = items,
                    ["paging"] = next is { } n ? new JsonObject { ["next"] = new JsonObject { ["link"] = PageLink(n, limit) } } : new JsonObject(),
                    ["total"] = total,
                };
                break;
            case PagingStyle.LinkHeader:
                answer = items;
                var links = new List<string> { $"<{PageUrl(Math.Max(0, offset - limit), limit)}>; rel=\"prev\"" };
                if (next is { } following)
                {
                    links.Add($"<{PageUrl(following, limit)}>; rel=\"next\"");
                }

                context.Response.Headers.Link = string.Join(", ", links);
                break;
            default:
                answer = new JsonObject { ["results"] = items, ["next_offset"] = next, ["count"] = total };
                break;
        }

        PagesServed.Enqueue(offset);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }

    private async Task BatchAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        Batches.Enqueue((key, body));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_simulator.BaseAddress, "api/contacts/batch"))
        {
            Content = new StringContent(body, MediaTypeHeaderValue.Parse(context.Request.ContentType ?? "application/json")),
        };
        request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
        if (key.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        using var response = await _upstream.SendAsync(request, context.RequestAborted);
        await RelayAsync(context, response, await response.Content.ReadAsStringAsync(context.RequestAborted));
    }

    private static async Task RelayAsync(HttpContext context, HttpResponseMessage response, string body)
    {
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Headers.WwwAuthenticate.Count > 0)
        {
            context.Response.Headers.WWWAuthenticate = response.Headers.WwwAuthenticate.ToString();
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString();
        }

        context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
