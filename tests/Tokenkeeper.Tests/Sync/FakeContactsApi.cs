using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenkeeper.Tests.Sync;

/// <summary>
/// A source and a destination in memory, no sockets: <c>GET /contacts?cursor=N&amp;limit=M</c> pages through records
/// <c>{"id":1}</c>…, and <c>POST /batch</c> stores them, honouring <c>Idempotency-Key</c> like a real destination (same key
/// and body: answered again, stored once; same key, other body: 422). Failures can be scripted per request.
/// </summary>
internal sealed class FakeContactsApi(int records) : HttpMessageHandler
{
    public static readonly Uri Source = new("https://crm.test/contacts");
    public static readonly Uri Destination = new("https://sell.test/batch");

    private readonly ConcurrentQueue<Func<HttpRequestMessage, HttpResponseMessage?>> _script = new();
    private readonly ConcurrentDictionary<string, string> _bodiesByKey = new(StringComparer.Ordinal);

    /// <summary>Every record id stored, and how often.</summary>
    public ConcurrentDictionary<long, int> Stored { get; } = new();

    /// <summary>Every batch request received: its key and body, in order.</summary>
    public ConcurrentQueue<(string Key, string Body)> Posts { get; } = new();

    public int Absorbed;

    /// <summary>The next request is answered by <paramref name="responder"/> (null: as normal).</summary>
    public void Then(Func<HttpRequestMessage, HttpResponseMessage?> responder) => _script.Enqueue(responder);

    /// <summary>The next request fails with <paramref name="status"/>.</summary>
    public void ThenStatus(HttpStatusCode status) => Then(_ => new HttpResponseMessage(status) { Content = new StringContent("{\"error\":\"scripted\"}") });

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_script.TryDequeue(out var responder) && responder(request) is { } scripted)
        {
            return scripted;
        }

        return request.Method == HttpMethod.Get ? Page(request.RequestUri!) : await StoreAsync(request, cancellationToken);
    }

    private HttpResponseMessage Page(Uri url)
    {
        var query = url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=')).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        var from = query.TryGetValue("cursor", out var cursor) ? int.Parse(cursor, CultureInfo.InvariantCulture) : 0;
        var limit = int.Parse(query["limit"], CultureInfo.InvariantCulture);
        var to = Math.Min(records, from + limit);
        var items = new JsonArray([.. Enumerable.Range(from + 1, to - from).Select(i => (JsonNode)new JsonObject { ["id"] = i })]);
        var page = new JsonObject { ["items"] = items, ["next_cursor"] = to < records ? to : null, ["total"] = records };
        return Json(HttpStatusCode.OK, page.ToJsonString());
    }

    private async Task<HttpResponseMessage> StoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = await request.Content!.ReadAsStringAsync(cancellationToken);
        var key = request.Headers.GetValues("Idempotency-Key").Single();
        Posts.Enqueue((key, body));
        var first = _bodiesByKey.GetOrAdd(key, body);
        if (first != body)
        {
            return Json(HttpStatusCode.UnprocessableEntity, "{\"error\":\"idempotency_key_reused\"}");
        }

        if (!ReferenceEquals(first, body))
        {
            Interlocked.Increment(ref Absorbed);
            var replay = Json(HttpStatusCode.OK, "{\"accepted\":0}");
            replay.Headers.Add("Idempotent-Replayed", "true");
            return replay;
        }

        using var document = JsonDocument.Parse(body);
        foreach (var record in document.RootElement.EnumerateArray())
        {
            Stored.AddOrUpdate(record.GetProperty("id").GetInt64(), 1, (_, count) => count + 1);
        }

        return Json(HttpStatusCode.OK, "{\"accepted\":1}");
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
