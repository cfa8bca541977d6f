namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>
/// Which columns of a table fit a width: each column at its natural width (its longest cell, unwrapped), taken in order of
/// priority while they fit, shown in their own order. Columns that do not fit are left out whole rather than squeezed until
/// every cell wraps mid-word; the first column (an id) is always kept.
/// </summary>
internal static class ColumnFit
{
    /// <summary>Characters a column adds besides its text in a bordered table: a space either side and its left border.</summary>
    private const int PerColumn = 3;

    /// <summary>The indexes of the columns to show, in their original order.</summary>
    /// <param name="widths">Each column's natural width.</param>
    /// <param name="priority">Column indexes, most important first; every column should appear once.</param>
    /// <param name="available">The width to fit.</param>
    public static IReadOnlyList<int> Fit(IReadOnlyList<int> widths, IReadOnlyList<int> priority, int available)
    {
        var used = 1; // the right border
        var kept = new SortedSet<int>();
        foreach (var column in priority)
        {
            var needs = widths[column] + PerColumn;
            if (kept.Count == 0 || used + needs <= available)
            {
                kept.Add(column);
                used += needs;
            }
        }

        return [.. kept];
    }

    /// <summary>The natural width of each column: its header or its longest cell, whichever is longer.</summary>
    public static int[] NaturalWidths(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in rows)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        return widths;
    }
}
