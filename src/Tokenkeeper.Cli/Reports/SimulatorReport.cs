using System.Text.Json.Serialization;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.Cli.Reports;

/// <summary>The simulator's view of a demo run: the <c>simulator</c> member of <c>demo --json</c>. Names and shapes follow
/// <c>GET /sim/stats</c> (per-kind maps carry a <c>total</c>).</summary>
internal sealed class SimulatorReport
{
    [JsonPropertyName("contacts_stored_distinct")]
    public long ContactsStoredDistinct { get; init; }

    [JsonPropertyName("duplicate_writes_absorbed")]
    public long DuplicateWritesAbsorbed { get; init; }

    [JsonPropertyName("refresh_token_reuse_attempts")]
    public long RefreshTokenReuseAttempts { get; init; }

    [JsonPropertyName("faults_injected")]
    public required IReadOnlyDictionary<string, long> FaultsInjected { get; init; }

    [JsonPropertyName("tokens_issued")]
    public required IReadOnlyDictionary<string, long> TokensIssued { get; init; }

    public static SimulatorReport From(SimulatorStats stats) => new()
    {
        ContactsStoredDistinct = stats.ContactsStoredDistinct,
        DuplicateWritesAbsorbed = stats.DuplicateWritesAbsorbed,
        RefreshTokenReuseAttempts = stats.RefreshTokenReuseAttempts,
        FaultsInjected = WithTotal(stats.FaultsInjected),
        TokensIssued = WithTotal(stats.TokensIssued),
    };

    private static Dictionary<string, long> WithTotal(IReadOnlyDictionary<string, long> counts)
    {
        var result = new Dictionary<string, long>(counts, StringComparer.Ordinal) { ["total"] = counts.Values.Sum() };
        return result;
    }
}
