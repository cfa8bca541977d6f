using Tokenkeeper.Http;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Sync;

/// <summary>Builds the <see cref="HttpClient"/>s a sync reads and writes with: each carries the Tokenkeeper handler of one
/// connection, so the job never touches a token.</summary>
public static class SyncHttpClients
{
    /// <summary>A client whose requests carry <paramref name="connectionId"/>'s access token (refreshed ahead, replayed once on
    /// a 401, retried on 429/5xx when safe). Redirects are not followed, so a token never follows one to another site.</summary>
    /// <param name="manager">The token manager that owns the connection.</param>
    /// <param name="connectionId">The connection.</param>
    /// <param name="options">Handler options; defaults when null.</param>
    /// <param name="timeout">Per-request timeout, handler retries included. Default <see cref="SyncConstants.DefaultRequestTimeout"/>.</param>
    /// <param name="innerHandler">The transport; a <see cref="SocketsHttpHandler"/> without redirects or cookies when null.</param>
    public static HttpClient Create(TokenManager manager, string connectionId, TokenkeeperHandlerOptions? options = null, TimeSpan? timeout = null, HttpMessageHandler? innerHandler = null)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var handler = new TokenkeeperHandler(manager, connectionId, options)
        {
            InnerHandler = innerHandler ?? new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false },
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = timeout ?? SyncConstants.DefaultRequestTimeout };
    }
}
