using System.Globalization;

namespace Tokenkeeper.Simulator;

/// <summary>
/// The request pipeline: stamps the <c>Date</c> header from the simulator's (skewed) clock, dispatches, and
/// catches what escapes. Malformed HTTP that ASP.NET reports (<see cref="BadHttpRequestException"/>) becomes a JSON
/// 400/413; anything else is a simulator bug: counted in <c>internal_errors</c>, logged, and answered 500
/// <c>{"error":"server_error"}</c> — never an HTML page.
/// </summary>
internal sealed class SimulatorApplication(SimulatorRuntime runtime, RequestDispatcher dispatcher)
{
    private DateStamp _date = new(long.MinValue, string.Empty);

    public async Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers.Date = DateHeader();
        try
        {
            await dispatcher.InvokeAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (or a fault dropped the connection): nothing to answer.
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            Restart(context);
            await Responses.ErrorAsync(context, e.StatusCode == 413 ? 413 : 400, "invalid_request", "malformed request: " + e.Message);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref runtime.Stats.InternalErrors);
            SimulatorLog.Unhandled(runtime.Logger, e, context.Request.Method, context.Request.Path);
            if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                Restart(context);
                await Responses.ErrorAsync(context, 500, "server_error", "unexpected error in the simulator");
            }
        }
    }

    private void Restart(HttpContext context)
    {
        context.Features.Set<PendingFault>(null);
        context.Response.Clear();
        context.Response.Headers.Date = DateHeader();
    }

    private string DateHeader()
    {
        var now = runtime.Clock.ShownNow;
        var second = now.ToUnixTimeSeconds();
        var cached = _date;
        if (cached.Second == second)
        {
            return cached.Text;
        }

        var text = now.ToString("R", CultureInfo.InvariantCulture);
        _date = new DateStamp(second, text);
        return text;
    }

    /// <summary>One formatted second, swapped as a whole so a reader never pairs a second with another's text.</summary>
    private sealed record DateStamp(long Second, string Text);
}
