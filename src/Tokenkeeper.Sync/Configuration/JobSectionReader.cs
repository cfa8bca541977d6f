using Tokenkeeper.Refresh;
using Tokenkeeper.Sync.Reading;

namespace Tokenkeeper.Sync.Configuration;

/// <summary>Reads <c>$.job</c>: the id, the source and the destination, checked against the declared connections.</summary>
internal static class JobSectionReader
{
    private static readonly Dictionary<string, PaginationMode> Modes = new(StringComparer.Ordinal)
    {
        ["cursor"] = PaginationMode.Cursor,
        ["next"] = PaginationMode.NextUrl,
        ["link"] = PaginationMode.LinkHeader,
    };

    /// <param name="job">The <c>$.job</c> section.</param>
    /// <param name="connections">The connections the file declares.</param>
    /// <param name="stored">Filled with the connections the job names that the file does not declare (they must be in the store),
    /// each with the start of the message that says so if the store lacks it too.</param>
    public static SyncJob Read(JsonSection job, IReadOnlyDictionary<string, ConnectionDefinition> connections, Dictionary<string, string> stored)
    {
        job.AllowOnly("id", "source", "destination");
        var id = job.RequiredString("id");
        if (!JobIds.IsValid(id))
        {
            throw job.Error("id", $"'{id}' must be 1 to {SyncConstants.MaxJobIdLength} letters, digits, '.', '_' or '-' (it is part of every batch's Idempotency-Key)");
        }

        return new SyncJob { Id = id, Source = ReadSource(job.RequiredObject("source"), connections, stored), Destination = ReadDestination(job.RequiredObject("destination"), connections, stored) };
    }

    private static SyncSource ReadSource(JsonSection source, IReadOnlyDictionary<string, ConnectionDefinition> connections, Dictionary<string, string> stored)
    {
        source.AllowOnly("connection", "url", "itemsField", "pagination", "cursorField", "cursorParam", "nextField", "limitParam", "pageSize", "totalField");
        var (connectionId, insecure) = Connection(source, connections, stored);
        var cursorField = FieldPathOf(source, "cursorField");
        var nextField = FieldPathOf(source, "nextField");
        var mode = Pagination(source, cursorField, nextField);
        var cursorParam = source.NonEmptyString("cursorParam");
        if (mode == PaginationMode.Cursor && cursorParam is null)
        {
            throw source.Error("cursorParam", "is required with a cursorField: the query parameter the cursor is sent back in (for example \"cursor\")");
        }

        if (mode != PaginationMode.Cursor && (cursorField ?? cursorParam) is not null)
        {
            throw source.Error(cursorField is null ? "cursorParam" : "cursorField", $"only applies to cursor pagination, and this source's pagination is '{Modes.First(m => m.Value == mode).Key}'");
        }

        if (mode != PaginationMode.NextUrl && nextField is not null)
        {
            throw source.Error("nextField", $"only applies to next pagination, and this source's pagination is '{Modes.First(m => m.Value == mode).Key}'");
        }

        var items = source.IsExplicitNull("itemsField") ? null : FieldPathOf(source, "itemsField") ?? SyncConstants.DefaultItemsField;
        if (items is null && mode != PaginationMode.LinkHeader)
        {
            throw source.Error("itemsField", "null (pages that are bare arrays) needs \"pagination\": \"link\": a bare array has nowhere to carry a cursor or next link");
        }

        return new SyncSource
        {
            ConnectionId = connectionId,
            Url = source.Url("url", required: true, insecure, "source URL")!,
            ItemsField = items,
            Pagination = mode,
            CursorField = cursorField,
            CursorParam = cursorParam,
            NextField = nextField,
            LimitParam = source.NonEmptyString("limitParam"),
            PageSize = source.Int("pageSize", SyncConstants.DefaultPageSize, 1, SyncConstants.MaxPageOrBatchSize),
            TotalField = FieldPathOf(source, "totalField"),
            AllowInsecureHttp = insecure,
        };
    }

    private static SyncDestination ReadDestination(JsonSection destination, IReadOnlyDictionary<string, ConnectionDefinition> connections, Dictionary<string, string> stored)
    {
        destination.AllowOnly("connection", "url", "batchSize", "bodyField");
        var (connectionId, insecure) = Connection(destination, connections, stored);
        return new SyncDestination
        {
            ConnectionId = connectionId,
            Url = destination.Url("url", required: true, insecure, "destination URL")!,
            BatchSize = destination.Int("batchSize", SyncConstants.DefaultBatchSize, 1, SyncConstants.MaxPageOrBatchSize),
            BodyField = destination.NonEmptyString("bodyField"),
            AllowInsecureHttp = insecure,
        };
    }

    /// <summary>The connection a section names: one the file declares, or one the store must hold (<c>connections add</c>).</summary>
    private static (string Id, bool AllowInsecureHttp) Connection(JsonSection section, IReadOnlyDictionary<string, ConnectionDefinition> connections, Dictionary<string, string> stored)
    {
        var name = section.RequiredString("connection");
        if (connections.TryGetValue(name, out var connection))
        {
            return (name, connection.Registration.AllowInsecureHttp);
        }

        stored.TryAdd(name, section.Error("connection", $"there is no connection '{name}' in $.connections (declared: {(connections.Count == 0 ? "none" : string.Join(", ", connections.Keys))})").Message);
        return (name, false);
    }

    private static PaginationMode Pagination(JsonSection source, string? cursorField, string? nextField)
    {
        if (source.NonEmptyString("pagination") is { } text)
        {
            return Modes.TryGetValue(text, out var mode) ? mode : throw source.Error("pagination", $"'{text}' is not one of: {string.Join(", ", Modes.Keys)}");
        }

        return (cursorField, nextField) switch
        {
            (not null, not null) => throw source.Error("nextField", "a source paginates one way: give cursorField (with cursorParam) or nextField, not both"),
            (not null, null) => PaginationMode.Cursor,
            (null, not null) => PaginationMode.NextUrl,
            _ => throw source.Error("pagination", "is required: say how the next page is found, with cursorField and cursorParam (a cursor in the page), nextField (a next-page URL in the page), or \"pagination\": \"link\" (an RFC 8288 Link header)"),
        };
    }

    private static string? FieldPathOf(JsonSection section, string key)
    {
        var text = section.NonEmptyString(key);
        return text is null || FieldPath.TryParse(text) is not null ? text : throw section.Error(key, $"'{text}' is not a field name or dotted path (like \"next_cursor\" or \"paging.next\")");
    }
}
