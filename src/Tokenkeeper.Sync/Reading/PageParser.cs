using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Tokenkeeper.Sync.Running;

namespace Tokenkeeper.Sync.Reading;

/// <summary>Reads a page body as the job describes it: the records array, the next cursor or URL, the stated total.</summary>
internal sealed class PageParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    private readonly SyncSource _source;
    private readonly FieldPath? _items;
    private readonly FieldPath? _cursor;
    private readonly FieldPath? _next;
    private readonly FieldPath? _total;

    public PageParser(SyncSource source)
    {
        _source = source;
        _items = source.ItemsField is null ? null : FieldPath.Parse(source.ItemsField);
        _cursor = source.Pagination == PaginationMode.Cursor ? FieldPath.Parse(source.CursorField!) : null;
        _next = source.Pagination == PaginationMode.NextUrl ? FieldPath.Parse(source.NextField!) : null;
        _total = source.TotalField is null ? null : FieldPath.Parse(source.TotalField);
    }

    /// <summary>Parses <paramref name="body"/>, read from <paramref name="url"/>; <paramref name="linkNext"/> is the
    /// <c>Link: rel="next"</c> target, if the response had one.</summary>
    public SourcePage Parse(ReadOnlyMemory<byte> body, Uri url, string? linkNext, string step)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            // A maintenance page or a truncated body: it may well be fine on the next attempt.
            throw SyncStepException.Transient(SyncFailureKind.BadPage, $"{step}: the page is not JSON ({ex.Message}): {Excerpt(body)}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            var items = FindItems(root, step);
            var records = new List<ReadOnlyMemory<byte>>(items.GetArrayLength());
            foreach (var item in items.EnumerateArray())
            {
                records.Add(JsonMarshal.GetRawUtf8Value(item).ToArray());
            }

            return new SourcePage(records, FindNext(root, url, linkNext, step), FindTotal(root));
        }
    }

    private JsonElement FindItems(JsonElement root, string step)
    {
        if (_items is null)
        {
            return root.ValueKind == JsonValueKind.Array
                ? root
                : throw SyncStepException.Permanent(SyncFailureKind.BadPage, $"{step}: the page is a JSON {Kind(root)}, not the records array the job expects (itemsField is null)");
        }

        if (_items.TryGet(root, out var items) && items.ValueKind == JsonValueKind.Array)
        {
            return items;
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out _))
        {
            // An error answered with a success status (some APIs do): worth another attempt.
            throw SyncStepException.Transient(SyncFailureKind.BadPage, $"{step}: the page holds an error instead of records: {Excerpt(root)}");
        }

        var found = _items.TryGet(root, out var wrong) ? $"'{_items}' is a JSON {Kind(wrong)}, not an array" : $"the page has no '{_items}' field";
        throw SyncStepException.Permanent(SyncFailureKind.BadPage, $"{step}: {found} (itemsField). The page's fields: {Fields(root)}");
    }

    private SourcePosition? FindNext(JsonElement root, Uri url, string? linkNext, string step)
    {
        switch (_source.Pagination)
        {
            case PaginationMode.Cursor:
                if (!_cursor!.TryGet(root, out var cursor))
                {
                    return null;
                }

                return cursor.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => cursor.GetString() is { Length: > 0 } text ? new SourcePosition(text, null) : null,
                    JsonValueKind.Number => new SourcePosition(cursor.GetRawText(), null),
                    _ => throw SyncStepException.Permanent(SyncFailureKind.BadPage, $"{step}: the cursor '{_cursor}' is a JSON {Kind(cursor)}, not a string or a number (cursorField)"),
                };
            case PaginationMode.NextUrl:
                if (!_next!.TryGet(root, out var next) || next.ValueKind == JsonValueKind.Null)
                {
                    return null;
                }

                if (next.ValueKind != JsonValueKind.String)
                {
                    throw SyncStepException.Permanent(SyncFailureKind.BadPage, $"{step}: the next link '{_next}' is a JSON {Kind(next)}, not a URL string (nextField)");
                }

                return string.IsNullOrEmpty(next.GetString()) ? null : new SourcePosition(null, Resolve(url, next.GetString()!, step));
            default:
                return linkNext is null ? null : new SourcePosition(null, Resolve(url, linkNext, step));
        }
    }

    private long? FindTotal(JsonElement root) =>
        _total is not null && _total.TryGet(root, out var total) && total.ValueKind == JsonValueKind.Number && total.TryGetInt64(out var value) && value >= 0
            ? value
            : null;

    /// <summary>Resolves a next link against the page, refusing one that leaves the source's origin: the request would carry
    /// the connection's token to another site.</summary>
    private Uri Resolve(Uri page, string link, string step)
    {
        if (!Uri.TryCreate(page, link, out var next) || (next.Scheme != Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttp))
        {
            throw SyncStepException.Permanent(SyncFailureKind.BadPage, $"{step}: the next link '{link}' is not an http(s) URL");
        }

        if (Uri.Compare(next, _source.Url, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw SyncStepException.Permanent(SyncFailureKind.BadPage, $"{step}: the next link points to {next.GetLeftPart(UriPartial.Authority)}, another site than the source's {_source.Url.GetLeftPart(UriPartial.Authority)}; the connection's token is not sent there");
        }

        return next;
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    private static string Fields(JsonElement root) => root.ValueKind == JsonValueKind.Object
        ? string.Join(", ", root.EnumerateObject().Select(p => p.Name).Take(20)) is { Length: > 0 } names ? names : "(none)"
        : $"(none: the page is a JSON {Kind(root)})";

    private static string Excerpt(JsonElement element) => Excerpt(System.Text.Encoding.UTF8.GetBytes(element.GetRawText()));

    private static string Excerpt(ReadOnlyMemory<byte> body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body.Span[..Math.Min(body.Length, SyncConstants.ErrorBodyExcerptLength * 4)]);
        text = string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return text.Length <= SyncConstants.ErrorBodyExcerptLength ? text : string.Create(CultureInfo.InvariantCulture, $"{text[..SyncConstants.ErrorBodyExcerptLength]}…");
    }
}
