using Tokenkeeper.Cli.Commands;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Cli.Commands;

/// <summary>The delivery column of <c>tokenkeeper connections show</c>: an operator reads there whether an alert went out.</summary>
public sealed class DeliverySummaryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NoSinkHasSeenIt_SaysNothingSentIt_AndWhereWebhooksAreConfigured()
    {
        Assert.Equal("not sent: no lifecycle run has delivered it yet (webhooks: lifecycle run --webhook URL)", ConnectionsCommand.DeliverySummary([], Now));
    }

    [Fact]
    public void OnlyTheLogHasIt_SaysNoWebhookIsConfigured()
    {
        var summary = ConnectionsCommand.DeliverySummary([new("log", 1, Now.AddMinutes(-5), null, null)], Now);

        Assert.StartsWith("log: delivered ", summary, StringComparison.Ordinal);
        Assert.EndsWith("; no webhook configured", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void EachSink_SaysDelivered_DeadLettered_OrItsAttemptsAndLastError()
    {
        DeliveryState[] deliveries =
        [
            new("log", 1, Now.AddMinutes(-5), null, null),
            new("ops", 8, null, Now.AddMinutes(-1), "HTTP 500"),
            new("pager", 2, null, null, "timeout"),
        ];

        var summary = ConnectionsCommand.DeliverySummary(deliveries, Now);

        var parts = summary.Split("; ");
        Assert.Equal(3, parts.Length);
        Assert.StartsWith("log: delivered ", parts[0], StringComparison.Ordinal);
        Assert.Equal("ops: DEAD-LETTERED after 8 attempts (HTTP 500)", parts[1]);
        Assert.Equal("pager: 2 attempt(s), last: timeout", parts[2]);
    }
}
