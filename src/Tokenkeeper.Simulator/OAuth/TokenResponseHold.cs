namespace Tokenkeeper.Simulator;

/// <summary>
/// The slow-provider dial (<see cref="SimulatorOptions.TokenResponseDelay"/>): holds an answer of the token endpoint
/// that is already decided, on the injected clock, before it is written. What the request did is done by then, so a
/// client that goes away while the answer is held has lost an answer the provider acted on; nothing is undone.
/// </summary>
internal sealed class TokenResponseHold(SimulatorRuntime runtime)
{
    /// <summary>Waits out the hold; false when the client went away meanwhile (then nothing should be written).</summary>
    /// <param name="context">The request; its <see cref="HttpContext.RequestAborted"/> ends the hold early.</param>
    /// <param name="clientId">The client, for the log line of a lost answer.</param>
    /// <param name="grantId">The grant, if any, for the log line of a lost answer.</param>
    public async Task<bool> WaitAsync(HttpContext context, string clientId, string? grantId)
    {
        var delay = runtime.Options.TokenResponseDelay;
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }

        Interlocked.Increment(ref runtime.Stats.TokenResponsesHeld);
        try
        {
            await runtime.Clock.DelayAsync(delay, context.RequestAborted);
            return true;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            SimulatorLog.HeldResponseLost(runtime.Logger, clientId, grantId ?? "-", DurationText.Format(delay));
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref runtime.Stats.TokenResponsesHeld);
        }
    }
}
