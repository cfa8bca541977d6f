using System.Net.Sockets;

namespace Tokenkeeper.Protocol;

/// <summary>
/// Sends one request to an endpoint and turns whatever the transport does into a <see cref="RawResponse"/>: the response with its
/// body read up to <see cref="TokenEndpointConstants.MaxResponseBytes"/>, or a typed failure for a redirect (not followed), an
/// oversized body, a timeout on the injected clock, an unreachable endpoint or a connection that broke mid-response. Each failure
/// says whether the provider may have processed the request (<see cref="TokenEndpointFailure.MaybeProcessed"/>): only a connection
/// that was never made is known not to have reached it. Caller cancellation is thrown, never turned into a failure.
/// </summary>
internal sealed class TokenEndpointExchange(HttpClient http, TimeProvider time, TimeSpan timeout)
{
    /// <summary>Sends <paramref name="message"/> once, within the timeout.</summary>
    public async Task<RawResponse> SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var sent = false;
        var endpoint = message.RequestUri is { } uri ? new UriBuilder(uri) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri.GetLeftPart(UriPartial.Path) : null;
        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            sent = true;
            var status = (int)response.StatusCode;
            var now = time.GetUtcNow();
            var serverDate = response.Headers.Date;
            var retryAfter = RetryAfter.Read(response.Headers, now, serverDate);
            var basic = response.Headers.WwwAuthenticate.Any(h => h.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase));
            if (status is >= 300 and < 400)
            {
                return RawResponse.Failed(new TokenEndpointFailure
                {
                    Kind = TokenFailureKind.Protocol,
                    StatusCode = status,
                    Message = $"token endpoint redirected (HTTP {status}) to '{response.Headers.Location?.GetLeftPart(UriPartial.Path)}'; redirects are not followed: configure the final URL",
                });
            }

            var declared = response.Content.Headers.ContentLength;
            if (declared > TokenEndpointConstants.MaxResponseBytes)
            {
                return RawResponse.Failed(Oversized(status));
            }

            var body = await ReadCappedAsync(response.Content, linked.Token).ConfigureAwait(false);
            if (body is null)
            {
                return RawResponse.Failed(Oversized(status));
            }

            return new RawResponse(status, response.Content.Headers.ContentType?.MediaType, body, retryAfter, serverDate, basic, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Our timeout, or one below us (HttpClient.Timeout of a caller-supplied client): either way no answer came.
            return RawResponse.Failed(new TokenEndpointFailure
            {
                Kind = TokenFailureKind.Transient,
                MaybeProcessed = true,
                Endpoint = endpoint,
                Message = $"token endpoint did not answer within {timeout.TotalSeconds:0.#} s",
            });
        }
        catch (HttpRequestException ex)
        {
            var unreachable = !sent && IsConnectFailure(ex);
            return RawResponse.Failed(new TokenEndpointFailure
            {
                Kind = TokenFailureKind.Transient,
                MaybeProcessed = !unreachable,
                Unreachable = unreachable,
                Endpoint = endpoint,
                Message = $"token endpoint unreachable: {Describe(ex)}",
            });
        }
        catch (IOException ex)
        {
            return RawResponse.Failed(new TokenEndpointFailure
            {
                Kind = TokenFailureKind.Transient,
                MaybeProcessed = true,
                Endpoint = endpoint,
                Message = $"token endpoint connection broke while reading the response: {ex.GetType().Name}",
            });
        }
    }

    /// <summary>Reads a body up to <see cref="TokenEndpointConstants.MaxResponseBytes"/>; null when it is longer.</summary>
    internal static async Task<byte[]?> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > TokenEndpointConstants.MaxResponseBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    /// <summary>Whether the request failed before a connection was made (refused, unresolvable, unreachable, TLS failed), so the
    /// provider cannot have seen it.</summary>
    internal static bool IsConnectFailure(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
        || ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NetworkUnreachable or SocketError.HostUnreachable };

    private static TokenEndpointFailure Oversized(int status) => new()
    {
        Kind = TokenFailureKind.Protocol,
        StatusCode = status,
        MaybeProcessed = true,
        Message = $"token endpoint response exceeds {TokenEndpointConstants.MaxResponseBytes} bytes",
    };

    private static string Describe(HttpRequestException ex) => ex.HttpRequestError switch
    {
        HttpRequestError.ConnectionError when ex.InnerException is SocketException socket => $"ConnectionError ({socket.SocketErrorCode})",
        HttpRequestError.Unknown => ex.InnerException?.GetType().Name ?? "unknown error",
        var error => error.ToString(),
    };
}
