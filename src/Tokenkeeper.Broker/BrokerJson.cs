using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tokenkeeper.Broker;

/// <summary>The service's JSON: snake_case, enums as strings, RFC 3339 UTC times, nulls written.</summary>
internal static class BrokerJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };
}
