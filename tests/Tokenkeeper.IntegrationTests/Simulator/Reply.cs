using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Tokenkeeper.IntegrationTests.Simulator;

/// <summary>An HTTP response read in full.</summary>
internal sealed record Reply(HttpStatusCode Status, string Body, HttpResponseHeaders Headers, HttpContentHeaders ContentHeaders)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Error => Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("error", out var e) ? e.GetString() : null;

    public string? ErrorDescription => Json.TryGetProperty("error_description", out var e) ? e.GetString() : null;

    public string? this[string name] =>
        Json.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText() : null;

    public bool Has(string name) => Json.TryGetProperty(name, out _);

    public string? MediaType => ContentHeaders.ContentType?.MediaType;

    public override string ToString() => $"{(int)Status} {Body}";
}
