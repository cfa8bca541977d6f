using System.Text.Json;

namespace Tokenkeeper.Sync.Reading;

/// <summary>A dotted path into a JSON page (<c>next_cursor</c>, <c>paging.next.link</c>).</summary>
internal sealed class FieldPath
{
    private readonly string[] _segments;

    private FieldPath(string text, string[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    /// <summary>Parses <paramref name="text"/>; null when it has an empty segment.</summary>
    public static FieldPath? TryParse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var segments = text.Split('.');
        return segments.Any(s => s.Length == 0) ? null : new FieldPath(text, segments);
    }

    /// <summary>Parses a path the job was validated with.</summary>
    public static FieldPath Parse(string text) => TryParse(text) ?? throw new TokenkeeperConfigurationException($"'{text}' is not a dotted field path.");

    /// <summary>Finds the value at this path; false when a segment is missing or a parent is not an object.</summary>
    public bool TryGet(JsonElement root, out JsonElement value)
    {
        value = root;
        foreach (var segment in _segments)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(segment, out value))
            {
                value = default;
                return false;
            }
        }

        return true;
    }

    public override string ToString() => Text;
}
