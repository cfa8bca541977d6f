using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenkeeper.Broker.Keys;
using Tokenkeeper.Broker.Problems;
using Tokenkeeper.Broker.Tokens;
using Tokenkeeper.Events;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker.Management;

/// <summary>
/// The management API (admin keys only; a reader gets 403): <c>GET /v1/connections</c>, <c>GET /v1/connections/{id}</c> (state,
/// cause, deadlines, plan, history, recent events), and <c>POST /v1/connections/{id}/refresh|disable|enable</c>.
/// </summary>
internal static class ManagementEndpoints
{
    /// <summary>Recent events shown with a connection: 20.</summary>
    public const int RecentEvents = 20;

    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder routes, TokenManager manager, ITokenStore store, KeyAuthenticator keys, TimeProvider time)
    {
        var planner = new LifecyclePlanner(new LifecycleOptions());
        ConnectionView View(ConnectionRecord record) => ConnectionView.Of(record, planner.Plan(record, manager.GetProfile(record.ConnectionId, record.Registration), time.GetUtcNow()));

        routes.MapGet("/v1/connections", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            if ((await Gate.RequireAdminAsync(request, keys, time, cancellationToken)).Refused is { } refused)
            {
                return refused;
            }

            var records = await store.ListAsync(cancellationToken);
            return Results.Json(new { connections = records.OrderBy(r => r.ConnectionId, StringComparer.Ordinal).Select(View) }, BrokerJson.Options);
        });

        routes.MapGet("/v1/connections/{id}", async (string id, HttpRequest request, CancellationToken cancellationToken) =>
        {
            if ((await Gate.RequireAdminAsync(request, keys, time, cancellationToken)).Refused is { } refused)
            {
                return refused;
            }

            if (await store.GetAsync(id, cancellationToken) is not { } record)
            {
                return NotFound(id);
            }

            IReadOnlyList<OutboxEntry> events = store is IEventOutbox outbox ? await outbox.ReadAsync(id, RecentEvents, cancellationToken) : [];
            return Results.Json(new ConnectionDetailView(View(record), record.History, [.. events.Select(EventView.Of)]), BrokerJson.Options);
        });

        routes.MapPost("/v1/connections/{id}/refresh", (string id, HttpRequest request, CancellationToken cancellationToken) =>
            ActAsync(request, id, async () =>
            {
                try
                {
                    var token = await manager.RefreshAsync(id, cancellationToken);
                    return Results.Json(new { connection_id = id, refreshed = true, fingerprint = token.Fingerprint, expires_at = token.ExpiresAt.UtcDateTime }, BrokerJson.Options);
                }
                catch (TokenAcquisitionException ex)
                {
                    return TokenFailures.ToProblem(ex, time.GetUtcNow());
                }
            }, cancellationToken));

        routes.MapPost("/v1/connections/{id}/disable", (string id, HttpRequest request, CancellationToken cancellationToken) =>
            ActAsync(request, id, async () =>
            {
                var reason = request.Query["reason"].ToString();
                await manager.DisableAsync(id, reason.Length == 0 ? null : reason, cancellationToken);
                return await store.GetAsync(id, cancellationToken) is { } record ? Results.Json(View(record), BrokerJson.Options) : NotFound(id);
            }, cancellationToken));

        routes.MapPost("/v1/connections/{id}/enable", (string id, HttpRequest request, CancellationToken cancellationToken) =>
            ActAsync(request, id, async () =>
            {
                await manager.EnableAsync(id, cancellationToken);
                return await store.GetAsync(id, cancellationToken) is { } record ? Results.Json(View(record), BrokerJson.Options) : NotFound(id);
            }, cancellationToken));

        async Task<IResult> ActAsync(HttpRequest request, string id, Func<Task<IResult>> act, CancellationToken cancellationToken)
        {
            if ((await Gate.RequireAdminAsync(request, keys, time, cancellationToken)).Refused is { } refused)
            {
                return refused;
            }

            return await store.GetAsync(id, cancellationToken) is null ? NotFound(id) : await act();
        }
    }

    private static IResult NotFound(string id) =>
        Problem.Of(StatusCodes.Status404NotFound, "connection_not_found", "No such connection.", $"There is no connection '{id}' this key may use.");
}
