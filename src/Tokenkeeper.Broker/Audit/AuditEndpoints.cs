using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenkeeper.Broker.Keys;
using Tokenkeeper.Broker.Problems;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker.Audit;

/// <summary><c>GET /v1/audit?connection=&amp;key=&amp;since=</c>: the token reads on record (admin keys only), newest last.</summary>
internal static class AuditEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static void Map(IEndpointRouteBuilder routes, IAuditStore store, KeyAuthenticator keys, AuditWriter writer, TimeProvider time)
    {
        routes.MapGet("/v1/audit", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            if ((await Gate.RequireAdminAsync(request, keys, time, cancellationToken)).Refused is { } refused)
            {
                return refused;
            }

            DateTimeOffset? since = null;
            if (request.Query["since"].ToString() is { Length: > 0 } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    return Problem.Of(StatusCodes.Status400BadRequest, "invalid_request", "A parameter is not valid.", "since must be an RFC 3339 time, e.g. 2026-12-08T00:00:00Z.");
                }

                since = parsed;
            }

            await writer.FlushAsync(cancellationToken); // what was read until now is on record before it is listed
            var entries = await store.ReadAuditAsync(new AuditQuery(NullIfEmpty(request.Query["connection"]), NullIfEmpty(request.Query["key"]), since, BrokerConstants.AuditPageLimit), cancellationToken);
            return Results.Json(new { entries = entries.Select(e => new { at = e.At.UtcDateTime, key = e.KeyName, connection_id = e.ConnectionId, outcome = e.Outcome, fingerprint = e.Fingerprint, client_address = e.ClientAddress }) }, BrokerJson.Options);
        });
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
