using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenkeeper.Broker.Audit;
using Tokenkeeper.Broker.Keys;
using Tokenkeeper.Broker.Problems;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Broker.Tokens;

/// <summary>
/// The token API: <c>GET /v1/connections/{id}/token?min_validity=60</c> (a valid access token) and
/// <c>POST /v1/connections/{id}/token/invalid</c> (compare-and-refresh: refresh only if the token a resource server refused is
/// still the current one). A connection the key may not see answers exactly as one that does not exist (404).
/// </summary>
internal static class TokenEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder routes, TokenManager manager, KeyAuthenticator keys, AuditWriter audit, TimeProvider time)
    {
        void Record(HttpRequest request, string id, string outcome, string? fingerprint) =>
            audit.Record(new Storage.AuditEntry(time.GetUtcNow(), ((CallerKey)request.HttpContext.Items[typeof(CallerKey)]!).Name, id, outcome, fingerprint, request.HttpContext.Connection.RemoteIpAddress?.ToString()));

        routes.MapGet("/v1/connections/{id}/token", async (string id, HttpRequest request, CancellationToken cancellationToken) =>
        {
            if (await AuthorizeAsync(request, keys, id, manager, Record, cancellationToken) is { } refused)
            {
                return refused;
            }

            if (MinValidity(request.Query["min_validity"]) is not { } minValidity)
            {
                return Problem.Of(StatusCodes.Status400BadRequest, "invalid_request", "A parameter is not valid.", $"min_validity must be a whole number of seconds from 0 to {(long)BrokerConstants.MaxMinValidity.TotalSeconds}.");
            }

            try
            {
                var token = await manager.GetAccessTokenAsync(id, minValidity, cancellationToken);
                Record(request, id, "issued", token.Fingerprint);
                return Results.Json(TokenResponse.Of(token), BrokerJson.Options);
            }
            catch (TokenAcquisitionException ex)
            {
                Record(request, id, TokenFailures.ErrorOf(ex), null);
                return TokenFailures.ToProblem(ex, time.GetUtcNow());
            }
        });

        routes.MapPost("/v1/connections/{id}/token/invalid", async (string id, HttpRequest request, CancellationToken cancellationToken) =>
        {
            if (await AuthorizeAsync(request, keys, id, manager, Record, cancellationToken) is { } refused)
            {
                return refused;
            }

            if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = BrokerConstants.MaxInvalidTokenBody; // a token, not a payload
            }

            InvalidTokenRequest? body;
            try
            {
                body = await request.ReadFromJsonAsync<InvalidTokenRequest>(BrokerJson.Options, cancellationToken);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
            {
                body = null;
            }

            if (string.IsNullOrEmpty(body?.AccessToken))
            {
                return Problem.Of(StatusCodes.Status400BadRequest, "invalid_request", "A parameter is not valid.", "The body must be JSON with access_token: the token the resource server refused.");
            }

            try
            {
                var source = manager.GetSource(id);
                var current = await source.GetTokenAsync(cancellationToken: cancellationToken);
                var token = current.Token.Value == body.AccessToken
                    ? await source.GetTokenAfterRejectionAsync(current, cancellationToken)
                    : current; // refreshed since: the current one is the answer, nothing is spent
                Record(request, id, "issued_after_rejection", token.Fingerprint);
                return Results.Json(TokenResponse.Of(token), BrokerJson.Options);
            }
            catch (TokenAcquisitionException ex)
            {
                Record(request, id, TokenFailures.ErrorOf(ex), null);
                return TokenFailures.ToProblem(ex, time.GetUtcNow());
            }
        });
    }

    /// <summary>401 without a valid key; 404 for a connection the key may not see or the store does not hold (alike, so
    /// existence does not leak); null when the request may go on.</summary>
    private static async Task<IResult?> AuthorizeAsync(HttpRequest request, KeyAuthenticator keys, string id, TokenManager manager, Action<HttpRequest, string, string, string?> record, CancellationToken cancellationToken)
    {
        try
        {
            return await AuthorizeOrThrowAsync(request, keys, id, manager, record, cancellationToken);
        }
        catch (Exception ex) when (StoreFaults.Is(ex))
        {
            // The key or the connection could not be looked up: our store, not the caller's credentials (the message, which can
            // name the store's path, stays in the log).
            return ProblemMiddleware.StoreUnavailable();
        }
    }

    private static async Task<IResult?> AuthorizeOrThrowAsync(HttpRequest request, KeyAuthenticator keys, string id, TokenManager manager, Action<HttpRequest, string, string, string?> record, CancellationToken cancellationToken)
    {
        var (caller, refused) = await Gate.RequireKeyAsync(request, keys, manager.TimeProvider, cancellationToken);
        if (caller is null)
        {
            return refused;
        }

        request.HttpContext.Items[typeof(CallerKey)] = caller;
        if (caller.MaySee(id) && await manager.FindConnectionAsync(id, cancellationToken) is not null)
        {
            return null;
        }

        record(request, id, "connection_not_found", null); // a key asking for what it may not see is worth knowing about
        return Problem.Of(StatusCodes.Status404NotFound, "connection_not_found", "No such connection.", $"There is no connection '{id}' this key may use.");
    }

    /// <summary>The <c>min_validity</c> asked for (seconds), zero when absent, null when not a whole number in range.</summary>
    private static TimeSpan? MinValidity(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return TimeSpan.Zero;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= BrokerConstants.MaxMinValidity.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : null;
    }
}
