using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenkeeper.Broker.Problems;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker.Health;

/// <summary><c>/healthz</c> (the process answers) and <c>/readyz</c> (and the store is reachable). No key needed; nothing secret.</summary>
internal static class HealthEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static void Map(IEndpointRouteBuilder routes, ITokenStore store)
    {
        routes.MapGet("/healthz", () => Results.Json(new { status = "ok" }, BrokerJson.Options));
        routes.MapGet("/readyz", async (CancellationToken cancellationToken) =>
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(BrokerConstants.ReadinessTimeout); // a probe answers promptly: the store's own retries would wait a minute
            try
            {
                await store.ListAsync(limit.Token);
                return Results.Json(new { status = "ready" }, BrokerJson.Options);
            }
            catch (Exception ex) when (ex is TokenStoreException or System.Data.Common.DbException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var detail = ex is OperationCanceledException ? $"the store did not answer within {BrokerConstants.ReadinessTimeout.TotalSeconds:0} s" : ex.Message;
                return Problem.Of(StatusCodes.Status503ServiceUnavailable, "store_unavailable", "The token store cannot be reached.", detail, new Dictionary<string, object?> { ["cause"] = FailureCauses.Infrastructure }, BrokerConstants.DefaultRetryAfter);
            }
        });
    }
}
