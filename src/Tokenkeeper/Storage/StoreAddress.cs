namespace Tokenkeeper.Storage;

/// <summary>
/// Where a store is: today a SQLite file path. A URL-shaped value (<c>postgres://…</c>) is refused before anything treats it as
/// a path, because a path is what it would silently become (a file under a folder named <c>postgres:</c>).
/// </summary>
internal static class StoreAddress
{
    /// <summary>Throws when <paramref name="value"/> is a URL rather than a file path. The message names the scheme only: a
    /// connection URL may carry a password.</summary>
    /// <param name="value">The store as given.</param>
    /// <param name="source">Where it was given, for the message (<c>--store</c>, the job file's "store").</param>
    /// <exception cref="TokenkeeperConfigurationException">The value is a URL.</exception>
    public static void EnsureFilePath(string value, string source)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (SchemeOf(value) is { } scheme)
        {
            throw new TokenkeeperConfigurationException($"{source} {Refusal(scheme)}");
        }
    }

    /// <summary>What is wrong with a store given as a <paramref name="scheme"/> URL, and what to give instead.</summary>
    internal static string Refusal(string scheme) =>
        $"is a {scheme}:// URL, but this version of Tokenkeeper keeps connections only in a SQLite file. Give a file path instead, "
        + "for example \"tokenkeeper.db\" or \"/var/lib/tokenkeeper/store.db\" (a PostgreSQL store is planned, not built).";

    /// <summary>The scheme of a URL-shaped value (letters, digits, <c>+ - .</c>, then <c>://</c>), or null for a path.</summary>
    internal static string? SchemeOf(string value)
    {
        var end = value.IndexOf("://", StringComparison.Ordinal);
        if (end < 1 || !char.IsAsciiLetter(value[0]))
        {
            return null;
        }

        var scheme = value[..end];
        return scheme.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? scheme.ToLowerInvariant() : null;
    }
}
