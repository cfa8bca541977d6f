namespace Tokenkeeper.Sync;

/// <summary>How the source says where the next page is.</summary>
public enum PaginationMode
{
    /// <summary>A cursor in the page body (<see cref="SyncSource.CursorField"/>, a string or a number), sent back as the
    /// <see cref="SyncSource.CursorParam"/> query parameter. No cursor (null, empty or absent): this was the last page.</summary>
    Cursor,

    /// <summary>The next page's URL in the page body (<see cref="SyncSource.NextField"/>), absolute or relative to the page.</summary>
    NextUrl,

    /// <summary>An RFC 8288 <c>Link: &lt;…&gt;; rel="next"</c> response header.</summary>
    LinkHeader,
}
