using System.Globalization;
using System.Text;

namespace Tokenkeeper.Simulator;

/// <summary>
/// Rolls the fault dice for a request and acts on the result: faults that replace the response are written here;
/// <c>delay</c> waits on the injected clock and lets the request go on; <c>drop-after</c> and <c>truncated</c> are
/// attached as a <see cref="PendingFault"/> for <see cref="Responses"/> to apply after processing.
/// </summary>
internal sealed class FaultInjector(SimulatorRuntime runtime)
{
    private static readonly byte[] BadGatewayPage = Encoding.UTF8.GetBytes(
        "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>The upstream server did not answer in time.</p><hr><p>nginx</p></body></html>\n");

    private static readonly byte[] MaintenancePage = Encoding.UTF8.GetBytes(
        "<!DOCTYPE html>\n<html><head><title>Scheduled maintenance</title></head>\n<body><h1>We'll be back soon</h1><p>The service is undergoing scheduled maintenance.</p></body></html>\n");

    private static readonly byte[] PlainServerError = Encoding.UTF8.GetBytes("Internal Server Error");

    /// <summary>Applies a fault if the dice say so; false when the fault already answered (or dropped) the request.</summary>
    public async Task<bool> BeforeAsync(HttpContext context, double rate, IList<string> faults, FaultList parsed, bool api)
    {
        if (!runtime.Random.Chance(rate))
        {
            return true;
        }

        var specs = parsed.Get(faults);
        if (specs.Length == 0)
        {
            return true;
        }

        var spec = specs.Length == 1 ? specs[0] : specs[runtime.Random.Next(specs.Length)];
        runtime.Stats.FaultInjected(spec.Kind, api);
        SimulatorLog.FaultInjected(runtime.Logger, spec.Name, context.Request.Method, context.Request.Path);
        switch (spec.Kind)
        {
            case FaultKind.Delay:
                await runtime.Clock.DelayAsync(spec.Duration, context.RequestAborted);
                return true;
            case FaultKind.DropAfter:
            case FaultKind.Truncated:
                context.Features.Set(new PendingFault(spec));
                return true;
            case FaultKind.DropBefore:
                context.Abort();
                return false;
            case FaultKind.ServiceUnavailable:
                await Responses.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "injected fault: the service is temporarily unavailable");
                return false;
            case FaultKind.InternalServerError:
                await Responses.WriteAsync(context, StatusCodes.Status500InternalServerError, PlainServerError, Responses.Text);
                return false;
            case FaultKind.TooManyRequests:
                context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(spec.Duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Responses.ErrorAsync(context, StatusCodes.Status429TooManyRequests, api ? "rate_limited" : "slow_down", "injected fault: too many requests");
                return false;
            case FaultKind.Html:
                var status = spec.StatusCode != 0 ? spec.StatusCode : runtime.Random.Next(2) == 0 ? 200 : 502;
                await Responses.WriteAsync(context, status, status == 200 ? MaintenancePage : BadGatewayPage, Responses.Html);
                return false;
            case FaultKind.ErrorIn200:
            default:
                await Responses.ErrorAsync(context, StatusCodes.Status200OK, "server_error", "injected fault: an error reported with HTTP 200");
                return false;
        }
    }
}
