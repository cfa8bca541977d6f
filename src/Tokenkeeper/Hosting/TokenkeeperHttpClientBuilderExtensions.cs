using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Http;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Hosting;

/// <summary>Puts the Tokenkeeper handler into an <see cref="HttpClient"/> pipeline.</summary>
public static class TokenkeeperHttpClientBuilderExtensions
{
    /// <summary>Every request of this client carries a valid token of <paramref name="connectionId"/> (see <see cref="TokenkeeperHandler"/>).</summary>
    public static IHttpClientBuilder AddTokenkeeperHandler(this IHttpClientBuilder builder, string connectionId, Action<TokenkeeperHandlerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionId);
        var options = new TokenkeeperHandlerOptions();
        configure?.Invoke(options);
        return builder.AddHttpMessageHandler(sp => new TokenkeeperHandler(
            sp.GetRequiredService<TokenManager>(),
            connectionId,
            options,
            sp.GetService<ILoggerFactory>()?.CreateLogger("Tokenkeeper.Http")));
    }
}
