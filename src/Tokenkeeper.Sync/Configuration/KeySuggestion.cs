namespace Tokenkeeper.Sync.Configuration;

/// <summary>Suggests the known key an unknown one was probably meant to be (a different case, or a typo or two away).</summary>
internal static class KeySuggestion
{
    private const int MaxTypos = 2;

    public static string? For(string unknown, IEnumerable<string> known) => known
        .Select(k => (Key: k, Distance: string.Equals(k, unknown, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(k.ToUpperInvariant(), unknown.ToUpperInvariant())))
        .Where(c => c.Distance <= MaxTypos)
        .OrderBy(c => c.Distance)
        .Select(c => c.Key)
        .FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
