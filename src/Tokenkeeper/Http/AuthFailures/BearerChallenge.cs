namespace Tokenkeeper.Http.AuthFailures;

/// <summary>Reads auth-param values out of a <c>WWW-Authenticate</c> challenge (RFC 7235 §2.1).</summary>
internal static class BearerChallenge
{
    /// <summary>Returns the value of <paramref name="name"/> in a challenge's parameter string, unquoted, or null.</summary>
    public static string? GetParameter(string? parameters, string name)
    {
        if (string.IsNullOrEmpty(parameters))
        {
            return null;
        }

        var span = parameters.AsSpan();
        while (!span.IsEmpty)
        {
            span = span.TrimStart(" ,");
            var eq = span.IndexOf('=');
            if (eq <= 0)
            {
                return null;
            }

            var key = span[..eq].Trim();
            span = span[(eq + 1)..].TrimStart();
            string value;
            if (!span.IsEmpty && span[0] == '"')
            {
                var end = 1;
                var builder = new System.Text.StringBuilder();
                while (end < span.Length && span[end] != '"')
                {
                    if (span[end] == '\\' && end + 1 < span.Length)
                    {
                        end++;
                    }

                    builder.Append(span[end]);
                    end++;
                }

                value = builder.ToString();
                span = end < span.Length ? span[(end + 1)..] : [];
            }
            else
            {
                var comma = span.IndexOf(',');
                value = (comma < 0 ? span : span[..comma]).Trim().ToString();
                span = comma < 0 ? [] : span[comma..];
            }

            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }
}
