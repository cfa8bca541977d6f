using System.Globalization;
using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>
/// Parses a batch body: a JSON array of 1-500 contacts, or <c>{"records":[…]}</c>. Every contact must be an object
/// with an <c>id</c> (a non-empty string or a number).
/// </summary>
internal static class BatchParser
{
    public static BatchParseResult Parse(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return BatchParseResult.Fail("the body is not valid JSON: " + e.Message);
        }

        var root = document.RootElement;
        var records = root.ValueKind switch
        {
            JsonValueKind.Array => root,
            JsonValueKind.Object when root.TryGetProperty("records", out var inner) && inner.ValueKind == JsonValueKind.Array => inner,
            _ => (JsonElement?)null,
        };
        if (records is not { } array)
        {
            return BatchParseResult.Fail("the body must be a JSON array of contacts or an object {\"records\":[…]}");
        }

        var count = array.GetArrayLength();
        if (count == 0)
        {
            return BatchParseResult.Fail("the batch is empty; send 1 to 500 contacts");
        }

        if (count > SimulatorDefaults.BatchMaxRecords)
        {
            return BatchParseResult.Fail(string.Create(CultureInfo.InvariantCulture,
                $"the batch has {count} contacts; at most {SimulatorDefaults.BatchMaxRecords} are accepted"));
        }

        var ids = new string[count];
        var index = 0;
        foreach (var record in array.EnumerateArray())
        {
            var id = record.ValueKind == JsonValueKind.Object && record.TryGetProperty("id", out var idElement)
                ? idElement.ValueKind switch
                {
                    JsonValueKind.String => idElement.GetString(),
                    JsonValueKind.Number => idElement.GetRawText(),
                    _ => null,
                }
                : null;
            if (string.IsNullOrEmpty(id))
            {
                return BatchParseResult.Fail(string.Create(CultureInfo.InvariantCulture, $"records[{index}] must be an object with an id"));
            }

            ids[index++] = id;
        }

        return new BatchParseResult(array, ids, null);
    }
}

/// <summary>The contacts of a batch and their ids, or why the batch was refused.</summary>
internal readonly record struct BatchParseResult(JsonElement Records, string[] Ids, string? Problem)
{
    public static BatchParseResult Fail(string problem) => new(default, [], problem);
}
