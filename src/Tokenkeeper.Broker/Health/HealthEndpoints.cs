using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenkeeper.Broker.Problems;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker.Health;

/// <summary><c>/healthz</c> (the process answers) and <c>/readyz</c> (and the store is reachable). No key needed; nothing secret.</summary>
internal static class HealthEndpoints
{
    /// <summary>The connection id <c>/readyz</c> reads to see the store answer (no connection has it).</summary>
    public const string ReadinessProbeId = "__tokenkeeper_readiness_probe__";

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
                await store.GetAsync(ReadinessProbeId, limit.Token); // one indexed read of an id no connection has: cheap at any size
                return Results.Json(new { status = "ready" }, BrokerJson.Options);
            }
            catch (Exception ex) when (StoreFaults.Is(ex) || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                var detail = ex is OperationCanceledException ? $"The store did not answer within {BrokerConstants.ReadinessTimeout.TotalSeconds:0} s." : "The store failed (the service log says how).";
                return Problem.Of(StatusCodes.Status503ServiceUnavailable, "store_unavailable", "The token store cannot be reached.", detail, new Dictionary<string, object?> { ["cause"] = FailureCauses.Infrastructure }, BrokerConstants.DefaultRetryAfter);
            }
        });
    }
}
