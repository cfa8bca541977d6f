namespace Tokenkeeper.Broker.Keys;

/// <summary>Which connections a reader key may see: ids, or patterns with <c>*</c> standing for any run of characters.</summary>
internal static class ConnectionPatterns
{
    /// <summary>Reads a comma-separated list (<c>crm-*,zendesk</c>).</summary>
    /// <exception cref="TokenkeeperConfigurationException">It is empty.</exception>
    public static IReadOnlyList<string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var patterns = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return patterns.Length > 0 ? patterns : throw new TokenkeeperConfigurationException("--connections needs at least one connection id or pattern, e.g. \"crm-*,zendesk\" (or \"*\" for all).");
    }

    /// <summary>Whether <paramref name="connectionId"/> matches one of <paramref name="patterns"/>.</summary>
    public static bool Allows(IReadOnlyList<string> patterns, string connectionId) => patterns.Any(p => Matches(p, connectionId));

    /// <summary>Whether <paramref name="connectionId"/> matches <paramref name="pattern"/> (ordinal; <c>*</c> is any run).</summary>
    public static bool Matches(string pattern, string connectionId)
    {
        var parts = pattern.Split('*');
        if (parts.Length == 1)
        {
            return string.Equals(pattern, connectionId, StringComparison.Ordinal);
        }

        if (!connectionId.StartsWith(parts[0], StringComparison.Ordinal) || !connectionId.EndsWith(parts[^1], StringComparison.Ordinal)
            || connectionId.Length < parts[0].Length + parts[^1].Length)
        {
            return false;
        }

        var at = parts[0].Length;
        var end = connectionId.Length - parts[^1].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = connectionId.IndexOf(parts[i], at, end - at, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            at = found + parts[i].Length;
        }

        return true;
    }
}
