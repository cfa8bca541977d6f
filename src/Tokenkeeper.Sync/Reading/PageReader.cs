using System.Net.Http.Headers;
using Tokenkeeper.Sync.Http;
using Tokenkeeper.Sync.Running;

namespace Tokenkeeper.Sync.Reading;

/// <summary>Reads the source page by page through its connection's <see cref="HttpClient"/>.</summary>
internal sealed class PageReader(SyncSource source, SyncHttp http)
{
    private readonly PageParser _parser = new(source);

    /// <summary>The URL of the page at <paramref name="position"/>.</summary>
    public Uri UrlOf(SourcePosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        if (position.Url is { } next)
        {
            return next;
        }

        var cursor = position.Cursor is null ? default : (source.CursorParam!, position.Cursor);
        var limit = source.LimitParam is null ? default : (source.LimitParam, source.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return QueryString.Append(source.Url, cursor, limit);
    }

    public async Task<SourcePage> ReadAsync(SourcePosition position, CancellationToken cancellationToken)
    {
        var url = UrlOf(position);
        var step = $"GET {url}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, step, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await SyncHttp.FailureAsync(response, step, cancellationToken).ConfigureAwait(false);
        }

        var body = await ReadBodyAsync(response, step, cancellationToken).ConfigureAwait(false);
        var link = response.Headers.TryGetValues("Link", out var links) ? LinkHeader.FindNext(links) : null;
        var page = _parser.Parse(body, url, link, step);
        if (page.Next is { } following && following == position)
        {
            throw SyncStepException.Permanent(SyncFailureKind.BadPage, $"{step}: the page points back to itself ({following}); following it would never end");
        }

        return page;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpResponseMessage response, string step, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > SyncConstants.MaxPageBytes)
        {
            throw SyncStepException.Permanent(SyncFailureKind.BadPage, $"{step}: the page is larger than {SyncConstants.MaxPageBytes / (1024 * 1024)} MiB; ask for smaller pages (pageSize)");
        }

        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > SyncConstants.MaxPageBytes)
                    {
                        throw SyncStepException.Permanent(SyncFailureKind.BadPage, $"{step}: the page is larger than {SyncConstants.MaxPageBytes / (1024 * 1024)} MiB; ask for smaller pages (pageSize)");
                    }

                    buffer.Write(chunk, 0, read);
                }

                return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw SyncStepException.Transient(SyncFailureKind.Unavailable, $"{step}: the connection broke while reading the page", ex);
        }
    }
}
