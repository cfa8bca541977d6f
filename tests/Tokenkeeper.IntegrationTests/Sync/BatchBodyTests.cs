using System.Text;
using System.Text.Json;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Sync;

/// <summary>What the destination receives: each batch is the source's records, byte for byte and in order, as a bare JSON
/// array (<c>bodyField: null</c>) or wrapped as <c>{"&lt;bodyField&gt;":[…]}</c>. The batches pass through
/// <see cref="FrontApi"/>, which records them, to the simulator's batch endpoint, which stores them.</summary>
public sealed class BatchBodyTests : IAsyncLifetime
{
    private const int Contacts = 450;
    private const int PageSize = 100;
    private const int BatchSize = 100;

    private SyncHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = Contacts });

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Theory]
    [InlineData("records")]
    [InlineData(null)]
    public async Task EveryBatch_CarriesTheSourceRecordsUnchanged_WrappedInBodyFieldWhenItIsSet(string? bodyField)
    {
        await using var destination = await FrontApi.StartAsync(_harness.Simulator);
        await _harness.WriteJobAsync(PageSize, BatchSize, job =>
        {
            destination.ConfigureDestination(job);
            job["job"]!["destination"]!["bodyField"] = bodyField;
        });

        var result = await _harness.RunSyncInProcessAsync(_harness.JobPath);

        Assert.True(result.ExitCode == 0, result.ToString());
        var batches = destination.Batches.ToArray();
        var lineage = (string)(await _harness.ReadCheckpointAsync())!["lineage"]!;
        Assert.Equal(Enumerable.Range(1, 5).Select(b => $"contacts-nightly:{lineage}:1:{b}"), batches.Select(b => b.Key));
        var sent = new List<string>();
        foreach (var (_, body) in batches)
        {
            using var document = JsonDocument.Parse(body);
            var records = document.RootElement;
            if (bodyField is not null)
            {
                Assert.Equal(JsonValueKind.Object, records.ValueKind);
                Assert.Equal([bodyField], records.EnumerateObject().Select(p => p.Name));
                records = records.GetProperty(bodyField);
            }

            Assert.Equal(JsonValueKind.Array, records.ValueKind);
            sent.AddRange(records.EnumerateArray().Select(r => r.GetRawText()));
        }

        // Byte for byte what the source served, in the source's order.
        var source = new ContactDataset(_harness.Simulator.Options.Seed, Contacts);
        Assert.Equal(Enumerable.Range(0, Contacts).Select(i => Encoding.UTF8.GetString(source.Json(i))), sent);
        var stats = _harness.Simulator.GetStats();
        Assert.Equal(Contacts, stats.ContactsStoredDistinct);
        Assert.Equal(Contacts, stats.ContactsReceived);
    }
}
