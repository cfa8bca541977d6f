namespace Tokenkeeper.Simulator;

/// <summary><c>GET /</c>: what this server is and where its endpoints are.</summary>
internal sealed class IndexEndpoint(SimulatorRuntime runtime, Func<IEnumerable<string>> paths)
{
    public Task InvokeAsync(HttpContext context)
    {
        var body = JsonBody.Build((runtime, paths()), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("name", "tokenkeeper-simulator");
            w.WriteString("issuer", s.runtime.Issuer);
            w.WriteString("personality", s.runtime.Options.Personality);
            w.WriteStartArray("endpoints");
            foreach (var path in s.Item2.Order(StringComparer.Ordinal))
            {
                w.WriteStringValue(path);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }
}
