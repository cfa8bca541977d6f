using System.Text.Json;

namespace Tokenkeeper.Http.AuthFailures;

/// <summary>Reads a resource server's JSON body for matchers, buffering it so the caller can still read it.</summary>
internal static class ResponseBody
{
    /// <summary>Matchers read at most this much of a body: 64 KiB. Larger bodies are not auth-failure bodies.</summary>
    public const int MaxMatcherBodyBytes = 64 * 1024;

    public static bool IsJson(HttpResponseMessage response)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        return mediaType is not null && (mediaType.EndsWith("/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    public static async Task<JsonDocument?> TryReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is > MaxMatcherBodyBytes)
        {
            return null;
        }

        await response.Content.LoadIntoBufferAsync(MaxMatcherBodyBytes, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
