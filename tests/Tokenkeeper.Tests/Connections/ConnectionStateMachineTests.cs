using Tokenkeeper.Connections;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Connections;

public sealed class ConnectionStateMachineTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<ConnectionState, ConnectionState, bool> Transitions()
    {
        var allowed = new HashSet<(ConnectionState, ConnectionState)>
        {
            (ConnectionState.PendingAuthorization, ConnectionState.Active),
            (ConnectionState.PendingAuthorization, ConnectionState.Disabled),
            (ConnectionState.Active, ConnectionState.Degraded),
            (ConnectionState.Active, ConnectionState.ReconnectRequired),
            (ConnectionState.Active, ConnectionState.Disabled),
            (ConnectionState.Degraded, ConnectionState.Active),
            (ConnectionState.Degraded, ConnectionState.ReconnectRequired),
            (ConnectionState.Degraded, ConnectionState.Disabled),
            (ConnectionState.ReconnectRequired, ConnectionState.Active),
            (ConnectionState.ReconnectRequired, ConnectionState.Disabled),
            (ConnectionState.Disabled, ConnectionState.Active),
            (ConnectionState.Disabled, ConnectionState.PendingAuthorization),
            (ConnectionState.Disabled, ConnectionState.ReconnectRequired),
        };
        var data = new TheoryData<ConnectionState, ConnectionState, bool>();
        foreach (var from in Enum.GetValues<ConnectionState>())
        {
            foreach (var to in Enum.GetValues<ConnectionState>())
            {
                data.Add(from, to, from == to || allowed.Contains((from, to)));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Transitions))]
    public void EveryTransition_IsAllowedOrRefusedAsDesigned(ConnectionState from, ConnectionState to, bool allowed)
    {
        var record = Record(from);

        Assert.Equal(allowed, ConnectionStateMachine.IsAllowed(from, to));
        if (allowed)
        {
            var next = record.WithStatus(to, "because", Now.AddMinutes(1), "detail");
            Assert.Equal(to, next.Status.State);
            Assert.Equal(from == to ? record.History.Count : record.History.Count + 1, next.History.Count);
            if (from != to)
            {
                Assert.Equal(new StateTransition(Now.AddMinutes(1), from, to, "because", "detail"), next.History[^1]);
                Assert.Equal(Now.AddMinutes(1), next.Status.Since);
            }
        }
        else
        {
            Assert.Throws<InvalidOperationException>(() => record.WithStatus(to, "because", Now));
        }
    }

    [Fact]
    public void History_KeepsTheLastFifty()
    {
        var record = Record(ConnectionState.Active);
        for (var i = 0; i < 60; i++)
        {
            record = record.WithStatus(i % 2 == 0 ? ConnectionState.Degraded : ConnectionState.Active, $"r{i}", Now.AddMinutes(i));
        }

        Assert.Equal(StorageConstants.MaxHistory, record.History.Count);
        Assert.Equal("r59", record.History[^1].Reason);
        Assert.Equal("r10", record.History[0].Reason);
    }

    private static ConnectionRecord Record(ConnectionState state) => new()
    {
        ConnectionId = "c",
        Registration = new ConnectionRegistration { TokenEndpoint = new Uri("https://p.test/token"), ClientId = "client" },
        Tokens = TokenSets.FromRefreshToken(new RefreshToken("r"), Now),
        Status = new ConnectionStatus(state, "initial", Now),
    };
}
