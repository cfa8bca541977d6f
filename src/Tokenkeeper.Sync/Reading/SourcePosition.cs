namespace Tokenkeeper.Sync.Reading;

/// <summary>Where a page is: the first page (both null), a cursor to send back, or the next page's URL.</summary>
internal sealed record SourcePosition(string? Cursor, Uri? Url)
{
    public static readonly SourcePosition Start = new(null, null);

    public bool IsStart => Cursor is null && Url is null;

    public override string ToString() => Cursor is { } cursor ? $"cursor '{cursor}'" : Url is { } url ? url.ToString() : "the first page";
}
