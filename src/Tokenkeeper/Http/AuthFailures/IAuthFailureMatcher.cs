namespace Tokenkeeper.Http.AuthFailures;

/// <summary>
/// Decides whether a resource server's response means "this access token is no longer accepted" (DESIGN.md contract 7).
/// Providers that signal it other than with a plain 401 plug one in through their <see cref="Connections.ProviderProfile"/>.
/// </summary>
public interface IAuthFailureMatcher
{
    /// <summary>
    /// Returns whether <paramref name="response"/> is an access-token failure. An implementation that reads the body must
    /// buffer it first (<see cref="HttpContent.LoadIntoBufferAsync()"/>) so the caller can still read it.
    /// </summary>
    ValueTask<bool> IsAuthFailureAsync(HttpResponseMessage response, CancellationToken cancellationToken);
}
