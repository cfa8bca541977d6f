namespace Tokenkeeper.Sync.Reading;

/// <summary>Finds the <c>rel="next"</c> target in RFC 8288 <c>Link</c> header values.</summary>
internal static class LinkHeader
{
    /// <summary>The target of the first link whose relation types include <c>next</c>, or null.</summary>
    public static string? FindNext(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values)
        {
            var index = 0;
            while (index < value.Length)
            {
                var open = value.IndexOf('<', index);
                if (open < 0)
                {
                    break;
                }

                var close = value.IndexOf('>', open + 1);
                if (close < 0)
                {
                    break;
                }

                var target = value[(open + 1)..close].Trim();
                var end = EndOfLink(value, close + 1);
                if (IsNext(value.AsSpan(close + 1, end - close - 1)))
                {
                    return target;
                }

                index = end + 1;
            }
        }

        return null;
    }

    /// <summary>The index of the comma that ends the link starting before <paramref name="start"/> (commas inside quotes do not count).</summary>
    private static int EndOfLink(string value, int start)
    {
        var quoted = false;
        for (var i = start; i < value.Length; i++)
        {
            switch (value[i])
            {
                case '"':
                    quoted = !quoted;
                    break;
                case '\\' when quoted:
                    i++;
                    break;
                case ',' when !quoted:
                    return i;
            }
        }

        return value.Length;
    }

    private static bool IsNext(ReadOnlySpan<char> parameters)
    {
        foreach (var range in parameters.Split(';'))
        {
            var parameter = parameters[range].Trim();
            var equals = parameter.IndexOf('=');
            if (equals < 0 || !parameter[..equals].Trim().Equals("rel", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var relations = parameter[(equals + 1)..].Trim().Trim('"');
            foreach (var relation in relations.Split(' '))
            {
                if (relations[relation].Equals("next", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
