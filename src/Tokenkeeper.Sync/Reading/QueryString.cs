using System.Text;

namespace Tokenkeeper.Sync.Reading;

/// <summary>Adds query parameters to a URL, keeping the ones it has.</summary>
internal static class QueryString
{
    public static Uri Append(Uri url, params (string? Name, string? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(url);
        var builder = new UriBuilder(url);
        var query = new StringBuilder(builder.Query.TrimStart('?'));
        foreach (var (name, value) in parameters)
        {
            if (name is null || value is null)
            {
                continue;
            }

            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        builder.Query = query.ToString();
        return builder.Uri;
    }
}
