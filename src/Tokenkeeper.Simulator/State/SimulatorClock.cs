namespace Tokenkeeper.Simulator;

/// <summary>
/// The simulator's two clocks. Every decision (expiry, idle, grace, rate windows) uses <see cref="UtcNow"/>, the
/// injected true time; everything the simulator shows (the <c>Date</c> header, JWT <c>iat</c>/<c>exp</c>,
/// <c>issued_at</c>, admin timestamps) uses <see cref="Shown(DateTimeOffset)"/>, true time plus the clock-skew dial.
/// </summary>
internal sealed class SimulatorClock(TimeProvider time, SimulatorOptions options)
{
    public TimeProvider TimeProvider => time;

    public DateTimeOffset UtcNow => time.GetUtcNow();

    public DateTimeOffset ShownNow => Shown(UtcNow);

    public DateTimeOffset Shown(DateTimeOffset trueTime) => trueTime + options.ClockSkew;

    public Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, time, cancellationToken);
}
