namespace Tokenkeeper.Simulator;

/// <summary>Space-separated scope lists (RFC 6749 §3.3).</summary>
internal static class Scopes
{
    public static string[] Parse(string? scope) =>
        string.IsNullOrWhiteSpace(scope)
            ? []
            : scope.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToArray();

    public static string Join(IEnumerable<string> scopes) => string.Join(' ', scopes);

    public static bool IsSubset(string[] requested, string[] granted)
    {
        foreach (var scope in requested)
        {
            if (Array.IndexOf(granted, scope) < 0)
            {
                return false;
            }
        }

        return true;
    }
}
