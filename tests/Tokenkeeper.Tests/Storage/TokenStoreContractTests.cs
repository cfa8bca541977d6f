using Microsoft.Extensions.Time.Testing;
using System.Security.Cryptography;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Storage;

/// <summary>What every store must keep true (DESIGN.md contract 4): compare-and-swap commits, fenced leases, events only with commits.</summary>
public abstract class TokenStoreContractTests : IDisposable
{
    protected TokenStoreContractTests()
    {
        Clock = new FakeTimeProvider(StoreSamples.Now);
    }

    protected FakeTimeProvider Clock { get; }

    protected abstract ITokenStore Store { get; }

    protected abstract IReadOnlyList<ConnectionEvent> CommittedEvents();

    [Fact]
    public async Task ServiceKeys_AreFoundByHash_NamedOnce_AndRevokedOnce()
    {
        var keys = (IApiKeyStore)Store;
        var key = new ApiKeyRecord("job-a", new string('a', 64), "reader", ["crm-*", "zendesk"], StoreSamples.Now);

        var added = await keys.AddKeyAsync(key);
        var sameName = await keys.AddKeyAsync(key with { Hash = new string('b', 64) });
        var found = await keys.FindKeyAsync(key.Hash);
        var revoked = await keys.RevokeKeyAsync("job-a", StoreSamples.Now.AddMinutes(1));
        var revokedAgain = await keys.RevokeKeyAsync("job-a", StoreSamples.Now.AddMinutes(2));
        var unknown = await keys.RevokeKeyAsync("nobody", StoreSamples.Now);

        Assert.True(added);
        Assert.False(sameName);
        Assert.Equal(("job-a", "reader"), (found!.Name, found.Role));
        Assert.Equal(["crm-*", "zendesk"], found.Connections);
        Assert.Null(await keys.FindKeyAsync(new string('b', 64)));
        Assert.True(revoked);
        Assert.False(revokedAgain);
        Assert.False(unknown);
        Assert.Equal(StoreSamples.Now.AddMinutes(1), Assert.Single(await keys.ListKeysAsync()).RevokedAt);
        Assert.Equal(StoreSamples.Now.AddMinutes(1), (await keys.FindKeyAsync(key.Hash))!.RevokedAt);
    }

    [Fact]
    public async Task TheAudit_IsReadBackInOrder_Filtered_Capped_AndPruned()
    {
        var audit = (IAuditStore)Store;
        var t = StoreSamples.Now;
        await audit.AppendAuditAsync([new AuditEntry(t, "job-a", "crm", "issued", "3f9a0c12", "10.0.0.7"), new AuditEntry(t.AddMinutes(1), "job-b", "crm", "disabled", null, null)]);
        await audit.AppendAuditAsync([new AuditEntry(t.AddMinutes(2), "job-a", "zendesk", "issued", "77b2e001", "10.0.0.7")]);

        var all = await audit.ReadAuditAsync(new AuditQuery());
        var jobA = await audit.ReadAuditAsync(new AuditQuery(KeyName: "job-a"));
        var crmSince = await audit.ReadAuditAsync(new AuditQuery(ConnectionId: "crm", Since: t.AddSeconds(30)));
        var newest = await audit.ReadAuditAsync(new AuditQuery(Max: 1));
        var pruned = await audit.PruneAuditAsync(t.AddMinutes(1));

        Assert.Equal(["issued", "disabled", "issued"], all.Select(e => e.Outcome));
        Assert.Equal(new AuditEntry(t, "job-a", "crm", "issued", "3f9a0c12", "10.0.0.7"), all[0]);
        Assert.Equal(["crm", "zendesk"], jobA.Select(e => e.ConnectionId));
        Assert.Equal("job-b", Assert.Single(crmSince).KeyName);
        Assert.Equal("zendesk", Assert.Single(newest).ConnectionId);
        Assert.Equal(1, pruned);
        Assert.Equal(2, (await audit.ReadAuditAsync(new AuditQuery())).Count);
    }

    [Fact]
    public async Task GetOrCreate_Twice_CreatesOnceAndReturnsTheStoredRecord()
    {
        var (first, created) = await Store.GetOrCreateAsync(StoreSamples.Record("a"));
        var (second, createdAgain) = await Store.GetOrCreateAsync(StoreSamples.Record("a", refresh: "another"));

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(1, first.Version);
        Assert.Equal("refresh-secret-1", second.Tokens!.RefreshToken!.Value.Value);
    }

    [Fact]
    public async Task Commit_AtTheReadVersion_Succeeds_AndBumpsTheVersion()
    {
        var (record, _) = await Store.GetOrCreateAsync(StoreSamples.Record("a"));

        var result = await Store.CommitAsync(new ConnectionCommit(record with { LastError = "x" }, record.Version));

        Assert.True(result.Succeeded);
        Assert.Equal(2, result.Version);
        var stored = await Store.GetAsync("a");
        Assert.Equal(2, stored!.Version);
        Assert.Equal("x", stored.LastError);
    }

    [Fact]
    public async Task Delete_AtTheReadVersion_RemovesTheConnection_AndAnotherOfTheSameIdStartsOver()
    {
        var (record, _) = await Store.GetOrCreateAsync(StoreSamples.Record("a"));

        var deleted = await Store.DeleteAsync("a", record.Version);
        var (again, created) = await Store.GetOrCreateAsync(StoreSamples.Record("a", refresh: "another"));

        Assert.True(deleted);
        Assert.True(created);
        Assert.Equal(("another", 1L), (again.Tokens!.RefreshToken!.Value.Value, again.Version));
        Assert.DoesNotContain(await Store.ListAsync(), r => r.ConnectionId == "b");
    }

    [Fact]
    public async Task Delete_AtAStaleVersion_OrWhileALeaseIsHeld_RemovesNothing()
    {
        var (record, _) = await Store.GetOrCreateAsync(StoreSamples.Record("a"));
        await Store.CommitAsync(new ConnectionCommit(record with { LastError = "moved on" }, record.Version));
        var (other, _) = await Store.GetOrCreateAsync(StoreSamples.Record("b"));
        var lease = await Store.TryAcquireLeaseAsync("b", "refresher", TimeSpan.FromMinutes(1));

        var stale = await Store.DeleteAsync("a", record.Version);
        var leased = await Store.DeleteAsync("b", other.Version);
        var unknown = await Store.DeleteAsync("nope", 1);

        Assert.Equal((false, false, false), (stale, leased, unknown));
        Assert.NotNull(lease);
        Assert.Equal(["a", "b"], (await Store.ListAsync()).Select(r => r.ConnectionId));
    }

    [Fact]
    public async Task Commit_AtAStaleVersion_IsRefused_AndChangesNothing()
    {
        var (record, _) = await Store.GetOrCreateAsync(StoreSamples.Record("a"));
        await Store.CommitAsync(new ConnectionCommit(record with { LastError = "first" }, record.Version));

        var result = await Store.CommitAsync(new ConnectionCommit(record with { LastError = "second" }, record.Version));

        Assert.Equal(CommitConflict.VersionMismatch, result.Conflict);
        Assert.Equal("first", (await Store.GetAsync("a"))!.LastError);
    }

    [Fact]
    public async Task Commit_UnknownConnection_IsNotFound()
    {
        var result = await Store.CommitAsync(new ConnectionCommit(StoreSamples.Record("ghost"), 1));

        Assert.Equal(CommitConflict.NotFound, result.Conflict);
    }

    [Fact]
    public async Task Lease_HeldByOneOwner_IsRefusedToAnother_UntilItLapses()
    {
        await Store.GetOrCreateAsync(StoreSamples.Record("a"));

        var mine = await Store.TryAcquireLeaseAsync("a", "me", TimeSpan.FromSeconds(60));
        var theirs = await Store.TryAcquireLeaseAsync("a", "them", TimeSpan.FromSeconds(60));
        Clock.Advance(TimeSpan.FromSeconds(61));
        var theirsLater = await Store.TryAcquireLeaseAsync("a", "them", TimeSpan.FromSeconds(60));

        Assert.NotNull(mine);
        Assert.Null(theirs);
        Assert.NotNull(theirsLater);
        Assert.True(theirsLater!.Fence > mine!.Fence);
    }

    [Fact]
    public async Task Lease_HeldByAnOwnerNamedAsDead_CanBeTakenOver_AndTheHolderIsVisible()
    {
        await Store.GetOrCreateAsync(StoreSamples.Record("a"));
        var dead = await Store.TryAcquireLeaseAsync("a", "dead-owner", TimeSpan.FromSeconds(60));

        var seen = await Store.GetLeaseAsync("a");
        var notNamed = await Store.TryAcquireLeaseAsync("a", "me", TimeSpan.FromSeconds(60), takeOverFrom: "someone-else");
        var takenOver = await Store.TryAcquireLeaseAsync("a", "me", TimeSpan.FromSeconds(60), takeOverFrom: "dead-owner");

        Assert.Equal("dead-owner", seen!.Owner);
        Assert.Null(notNamed);
        Assert.NotNull(takenOver);
        Assert.True(takenOver!.Fence > dead!.Fence);
        Assert.Equal("me", (await Store.GetLeaseAsync("a"))!.Owner);
    }

    [Fact]
    public async Task Commit_UnderALeaseSomeoneElseTookSince_IsRefusedAsLeaseLost()
    {
        var (record, _) = await Store.GetOrCreateAsync(StoreSamples.Record("a"));
        var mine = await Store.TryAcquireLeaseAsync("a", "me", TimeSpan.FromSeconds(10));
        Clock.Advance(TimeSpan.FromSeconds(11));
        await Store.TryAcquireLeaseAsync("a", "them", TimeSpan.FromSeconds(10));

        var result = await Store.CommitAsync(new ConnectionCommit(record with { LastError = "stale" }, record.Version, mine));

        Assert.Equal(CommitConflict.LeaseLost, result.Conflict);
        Assert.Null((await Store.GetAsync("a"))!.LastError);
    }

    [Fact]
    public async Task Lease_Released_CanBeTakenAtOnce_AndAStaleReleaseDoesNotFreeANewerLease()
    {
        await Store.GetOrCreateAsync(StoreSamples.Record("a"));
        var first = await Store.TryAcquireLeaseAsync("a", "me", TimeSpan.FromSeconds(10));
        await Store.ReleaseLeaseAsync(first!);
        var second = await Store.TryAcquireLeaseAsync("a", "them", TimeSpan.FromSeconds(10));

        await Store.ReleaseLeaseAsync(first!);
        var third = await Store.TryAcquireLeaseAsync("a", "someone", TimeSpan.FromSeconds(10));

        Assert.NotNull(second);
        Assert.Null(third);
    }

    [Fact]
    public async Task RenewLease_StillHeld_Extends_Lost_ReturnsNull()
    {
        await Store.GetOrCreateAsync(StoreSamples.Record("a"));
        var lease = await Store.TryAcquireLeaseAsync("a", "me", TimeSpan.FromSeconds(10));
        Clock.Advance(TimeSpan.FromSeconds(8));

        var renewed = await Store.RenewLeaseAsync(lease!, TimeSpan.FromSeconds(10));
        Clock.Advance(TimeSpan.FromSeconds(5));
        var refused = await Store.TryAcquireLeaseAsync("a", "them", TimeSpan.FromSeconds(10));
        Clock.Advance(TimeSpan.FromSeconds(6));
        var taken = await Store.TryAcquireLeaseAsync("a", "them", TimeSpan.FromSeconds(10));
        var lost = await Store.RenewLeaseAsync(renewed!, TimeSpan.FromSeconds(10));

        Assert.NotNull(renewed);
        Assert.Null(refused);
        Assert.NotNull(taken);
        Assert.Null(lost);
    }

    [Fact]
    public async Task Events_AreStoredOnlyWithTheCommitThatCarriesThem()
    {
        var (record, _) = await Store.GetOrCreateAsync(StoreSamples.Record("a"));
        var accepted = new ConnectionEvent { ConnectionId = "a", Type = ConnectionEventTypes.Refreshed, OccurredAt = Clock.GetUtcNow() };
        var refused = new ConnectionEvent { ConnectionId = "a", Type = ConnectionEventTypes.RefreshFailed, OccurredAt = Clock.GetUtcNow() };

        await Store.CommitAsync(new ConnectionCommit(record, record.Version, null, [accepted]));
        await Store.CommitAsync(new ConnectionCommit(record, record.Version, null, [refused]));

        var events = CommittedEvents();
        Assert.Contains(events, e => e.Id == accepted.Id);
        Assert.DoesNotContain(events, e => e.Id == refused.Id);
    }

    [Fact]
    public async Task List_ReturnsEveryConnectionOrderedById()
    {
        await Store.GetOrCreateAsync(StoreSamples.Record("b"));
        await Store.GetOrCreateAsync(StoreSamples.Record("a"));

        var all = await Store.ListAsync();

        Assert.Equal(["a", "b"], all.Select(r => r.ConnectionId));
    }

    [Fact]
    public async Task Checkpoint_CommitsAreCompareAndSwap()
    {
        var checkpoints = (ICheckpointStore)Store;

        var first = await checkpoints.CommitCheckpointAsync("job", "{\"batch\":1}", 0);
        var stale = await checkpoints.CommitCheckpointAsync("job", "{\"batch\":9}", 0);
        var second = await checkpoints.CommitCheckpointAsync("job", "{\"batch\":2}", 1);
        var stored = await checkpoints.GetCheckpointAsync("job");

        Assert.Equal(1, first);
        Assert.Null(stale);
        Assert.Equal(2, second);
        Assert.Equal("{\"batch\":2}", stored!.Payload);
        Assert.Null(await checkpoints.GetCheckpointAsync("other"));
    }

    [Fact]
    public async Task Outbox_EachSinkGetsEachEvent_ClaimsHoldThenRetry_AndDeliveredOrDeadLetteredEventsStayDone()
    {
        var outbox = (IEventOutbox)Store;
        var now = Clock.GetUtcNow();
        await outbox.EnqueueAsync([Event("a", "one"), Event("a", "two")]);

        var first = await outbox.ClaimDueAsync("hook", now, 10, TimeSpan.FromSeconds(30));
        var whileHeld = await outbox.ClaimDueAsync("hook", now, 10, TimeSpan.FromSeconds(30));
        var otherSink = await outbox.ClaimDueAsync("log", now, 10, TimeSpan.FromSeconds(30));
        await outbox.CompleteDeliveryAsync(first[0].Sequence, "hook", now);
        await outbox.FailDeliveryAsync(first[1].Sequence, "hook", "HTTP 500", now + TimeSpan.FromMinutes(1), now);
        var beforeRetry = await outbox.ClaimDueAsync("hook", now + TimeSpan.FromSeconds(59), 10, TimeSpan.FromSeconds(30));
        var retried = await outbox.ClaimDueAsync("hook", now + TimeSpan.FromMinutes(1), 10, TimeSpan.FromSeconds(30));
        await outbox.FailDeliveryAsync(retried[0].Sequence, "hook", "HTTP 500 again", null, now);
        var afterDeadLetter = await outbox.ClaimDueAsync("hook", now + TimeSpan.FromDays(1), 10, TimeSpan.FromSeconds(30));

        Assert.Equal(["one", "two"], first.Select(d => d.Event.Reason));
        Assert.All(first, d => Assert.Equal(1, d.Attempt));
        Assert.Empty(whileHeld);
        Assert.Equal(2, otherSink.Count);
        Assert.Empty(beforeRetry);
        Assert.Equal("two", Assert.Single(retried).Event.Reason);
        Assert.Equal(2, retried[0].Attempt);
        Assert.Empty(afterDeadLetter);
        var entries = await outbox.ReadAsync("a");
        var hook = entries.Select(e => e.Deliveries.Single(d => d.Sink == "hook")).ToArray();
        Assert.NotNull(hook[0].DeliveredAt);
        Assert.NotNull(hook[1].DeadLetteredAt);
        Assert.Equal("HTTP 500 again", hook[1].LastError);
    }

    [Fact]
    public async Task Outbox_EventsCommittedWithARecord_AreDeliverable()
    {
        var (record, _) = await Store.GetOrCreateAsync(StoreSamples.Record("a"), [Event("a", "created")]);
        await Store.CommitAsync(new ConnectionCommit(record, record.Version, null, [Event("a", "changed")]));

        var claimed = await ((IEventOutbox)Store).ClaimDueAsync("hook", Clock.GetUtcNow(), 10, TimeSpan.FromSeconds(30));

        Assert.Equal(["created", "changed"], claimed.Select(d => d.Event.Reason));
    }

    private ConnectionEvent Event(string connection, string reason) =>
        new() { ConnectionId = connection, Type = ConnectionEventTypes.StateChanged, Reason = reason, OccurredAt = Clock.GetUtcNow() };

    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
    }
}

public sealed class InMemoryTokenStoreTests : TokenStoreContractTests
{
    private readonly InMemoryTokenStore _store;

    public InMemoryTokenStoreTests() => _store = new InMemoryTokenStore(Clock);

    protected override ITokenStore Store => _store;

    protected override IReadOnlyList<ConnectionEvent> CommittedEvents() => _store.Events;
}

public sealed class SqliteTokenStoreTests : TokenStoreContractTests
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-sqlite-").FullName;
    private readonly AesGcmSecretProtector _protector = new(RandomNumberGenerator.GetBytes(32));
    private readonly SqliteTokenStore _store;

    public SqliteTokenStoreTests() => _store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = Path.Combine(_directory, "store.db"), Protector = _protector }, Clock);

    protected override ITokenStore Store => _store;

    protected override IReadOnlyList<ConnectionEvent> CommittedEvents()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_store.Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM outbox ORDER BY seq";
        using var reader = command.ExecuteReader();
        var events = new List<ConnectionEvent>();
        while (reader.Read())
        {
            events.Add(ConnectionRecordSerializer.DeserializeEvent(reader.GetString(0)));
        }

        return events;
    }

    [Fact]
    public async Task File_HoldsNoSecretInClear()
    {
        var record = StoreSamples.Record("a");
        await _store.GetOrCreateAsync(record);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var bytes = ReadAllStoreBytes();

        foreach (var secret in StoreSamples.Secrets(record))
        {
            Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)));
        }

        Assert.NotEqual(-1, bytes.AsSpan().IndexOf("client-1"u8));
    }

    [Fact]
    public async Task Reopen_WithTheSameKey_ReadsTheRecord_WithAnotherKey_FailsClearly()
    {
        await _store.GetOrCreateAsync(StoreSamples.Record("a"));
        using var sameKey = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = _store.Path, Protector = _protector }, Clock);
        using var otherKey = new AesGcmSecretProtector(RandomNumberGenerator.GetBytes(32));
        using var wrong = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = _store.Path, Protector = otherKey }, Clock);

        Assert.Equal("refresh-secret-1", (await sameKey.GetAsync("a"))!.Tokens!.RefreshToken!.Value.Value);
        await Assert.ThrowsAsync<SecretProtectionException>(async () => await wrong.GetAsync("a"));
    }

    [Fact]
    public void Open_AGarbageFile_IsAClearConfigurationError()
    {
        var garbage = Path.Combine(_directory, "garbage.db");
        File.WriteAllText(garbage, "this is not a database, it is a shopping list: eggs, milk, bread, and more text to fill a page.");

        var error = Assert.Throws<TokenkeeperConfigurationException>(() => new SqliteTokenStore(new SqliteTokenStoreOptions { Path = garbage, Protector = _protector }, Clock));

        Assert.Contains("not a Tokenkeeper store", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WithoutAnyKey_IsAClearConfigurationError()
    {
        var previous = Environment.GetEnvironmentVariable(StorageConstants.KeyEnvironmentVariable);
        var previousFile = Environment.GetEnvironmentVariable(StorageConstants.KeyFileEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(StorageConstants.KeyEnvironmentVariable, null);
            Environment.SetEnvironmentVariable(StorageConstants.KeyFileEnvironmentVariable, null);

            var error = Assert.Throws<TokenkeeperConfigurationException>(() => new SqliteTokenStore(new SqliteTokenStoreOptions { Path = Path.Combine(_directory, "nokey.db") }, Clock));

            Assert.Contains("TOKENKEEPER_KEY", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(StorageConstants.KeyEnvironmentVariable, previous);
            Environment.SetEnvironmentVariable(StorageConstants.KeyFileEnvironmentVariable, previousFile);
        }
    }

    public override void Dispose()
    {
        _store.Dispose();
        _protector.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        base.Dispose();
    }

    private byte[] ReadAllStoreBytes()
    {
        using var stream = new MemoryStream();
        foreach (var file in Directory.GetFiles(_directory, "store.db*"))
        {
            using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            input.CopyTo(stream);
        }

        return stream.ToArray();
    }
}
