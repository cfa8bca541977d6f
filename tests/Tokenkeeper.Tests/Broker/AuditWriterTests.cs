using Microsoft.Extensions.Logging.Abstractions;
using Tokenkeeper.Broker.Audit;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Broker;

/// <summary>The audit is written once per entry however many flushes overlap (the loop, <c>GET /v1/audit</c>, the stop), and
/// entries the store refused are written by a later flush, not dropped by another's success.</summary>
public sealed class AuditWriterTests
{
    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public async Task OverlappingFlushes_WriteEachEntryOnce()
    {
        var store = new InMemoryTokenStore(_clock);
        using var writer = new AuditWriter(store, _clock, NullLogger<AuditWriter>.Instance, new AuditRetention(TimeSpan.FromDays(30)));
        for (var i = 0; i < 500; i++)
        {
            writer.Record(Entry(i));
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => writer.FlushAsync(CancellationToken.None))));

        var written = await store.ReadAuditAsync(new AuditQuery(Max: 10_000));
        Assert.Equal(500, written.Count);
        Assert.Equal(500, written.Select(e => e.ConnectionId).Distinct().Count());
    }

    [Fact]
    public async Task EntriesTheStoreRefused_AreWrittenByTheNextFlush()
    {
        var inner = new InMemoryTokenStore(_clock);
        var store = new RefusingAudit(inner) { Refuse = true };
        using var writer = new AuditWriter(store, _clock, NullLogger<AuditWriter>.Instance, new AuditRetention(TimeSpan.FromDays(30)));
        writer.Record(Entry(1));

        await writer.FlushAsync(CancellationToken.None);
        store.Refuse = false;
        writer.Record(Entry(2));
        await writer.FlushAsync(CancellationToken.None);

        Assert.Equal(["c1", "c2"], (await inner.ReadAuditAsync(new AuditQuery())).Select(e => e.ConnectionId));
    }

    [Fact]
    public async Task EntriesPastTheRetention_AreDeleted_AtMostHourly()
    {
        var store = new InMemoryTokenStore(_clock);
        using var writer = new AuditWriter(store, _clock, NullLogger<AuditWriter>.Instance, new AuditRetention(TimeSpan.FromDays(30)));
        writer.Record(Entry(1));
        await writer.FlushAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromDays(29));
        writer.Record(Entry(2));
        await writer.FlushAsync(CancellationToken.None);

        var first = await writer.PruneIfDueAsync(CancellationToken.None); // nothing is 30 days old yet
        _clock.Advance(TimeSpan.FromDays(2));
        var due = await writer.PruneIfDueAsync(CancellationToken.None); // two days after the last prune: the first entry is 31 days old
        var again = await writer.PruneIfDueAsync(CancellationToken.None); // within the hour: skipped

        Assert.Equal(0, first);
        Assert.Equal(1, due);
        Assert.Equal(0, again);
        Assert.Equal(["c2"], (await store.ReadAuditAsync(new AuditQuery())).Select(e => e.ConnectionId));
    }

    private AuditEntry Entry(int i) => new(_clock.GetUtcNow(), "job", $"c{i}", "issued", "3f9a0c12", "127.0.0.1");

    private sealed class RefusingAudit(IAuditStore inner) : IAuditStore
    {
        public bool Refuse { get; set; }

        public ValueTask AppendAuditAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default) =>
            Refuse ? throw new TokenStoreException("database is locked", isTransient: true) : inner.AppendAuditAsync(entries, cancellationToken);

        public ValueTask<IReadOnlyList<AuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken cancellationToken = default) => inner.ReadAuditAsync(query, cancellationToken);

        public ValueTask<int> PruneAuditAsync(DateTimeOffset before, CancellationToken cancellationToken = default) => inner.PruneAuditAsync(before, cancellationToken);
    }
}
