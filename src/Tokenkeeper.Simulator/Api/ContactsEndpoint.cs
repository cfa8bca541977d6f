using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>
/// <c>GET /api/contacts?cursor=&amp;limit=</c> (scope <c>contacts:read</c>): a page of the deterministic dataset,
/// <c>{"items":[…],"next_cursor":"…"|null,"total":N}</c>. <c>limit</c> is 1-1000 (default 100); a bad limit or
/// cursor is a 400 JSON error.
/// </summary>
internal sealed class ContactsEndpoint(SimulatorRuntime runtime, BearerAuthenticator bearer, FaultInjector faults)
{
    public async Task InvokeAsync(HttpContext context)
    {
        Interlocked.Increment(ref runtime.Stats.ApiRequests);
        var options = runtime.Options;
        if (!await faults.BeforeAsync(context, options.ApiFaultRate, options.ApiFaults, runtime.ApiFaults, api: true)
            || await bearer.AuthenticateAsync(context, ApiScopes.Read) is null)
        {
            return;
        }

        var dataset = runtime.Contacts.Current;
        var query = context.Request.Query;
        if (!TryLimit(query, out var limit))
        {
            await Responses.ErrorAsync(context, 400, "invalid_request",
                $"limit must be a whole number from 1 to {SimulatorDefaults.ContactsMaxPageLimit}");
            return;
        }

        var offset = 0;
        var cursor = query["cursor"];
        if (cursor.Count > 1 || (!string.IsNullOrEmpty(cursor.ToString()) && !ContactCursor.TryDecode(cursor.ToString(), dataset.Count, out offset)))
        {
            await Responses.ErrorAsync(context, 400, "invalid_cursor", "cursor is not a cursor this API returned");
            return;
        }

        await Responses.WriteJsonAsync(context, StatusCodes.Status200OK, Page(dataset, offset, limit));
    }

    private static bool TryLimit(IQueryCollection query, out int limit)
    {
        limit = SimulatorDefaults.ContactsPageLimit;
        var value = query["limit"];
        if (value.Count == 0 || string.IsNullOrEmpty(value[0]))
        {
            return true;
        }

        return value.Count == 1
            && int.TryParse(value[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit)
            && limit is >= 1 and <= SimulatorDefaults.ContactsMaxPageLimit;
    }

    private static byte[] Page(ContactDataset dataset, int offset, int limit)
    {
        var end = (int)Math.Min((long)offset + limit, dataset.Count);
        var buffer = new ArrayBufferWriter<byte>(64 + ((end - offset) * 160));
        using (var w = new Utf8JsonWriter(buffer, JsonBody.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartArray("items");
            for (var i = offset; i < end; i++)
            {
                w.WriteRawValue(dataset.Json(i), skipInputValidation: true);
            }

            w.WriteEndArray();
            if (end < dataset.Count)
            {
                w.WriteString("next_cursor", ContactCursor.Encode(end));
            }
            else
            {
                w.WriteNull("next_cursor");
            }

            w.WriteNumber("total", dataset.Count);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
