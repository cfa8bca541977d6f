namespace Tokenkeeper.Simulator;

/// <summary>
/// Parses a live fault list, re-parsing only when the list or its entries change, so a request with faults
/// switched on does not re-parse strings. Entries that do not parse are skipped (they are rejected earlier, by
/// <see cref="SimulatorOptions.Validate"/> and <c>POST /sim/dials</c>).
/// </summary>
internal sealed class FaultList
{
    private Snapshot _snapshot = new(null, [], []);

    public FaultSpec[] Get(IList<string> source)
    {
        var snapshot = _snapshot;
        if (ReferenceEquals(snapshot.Source, source) && SameEntries(snapshot.Entries, source))
        {
            return snapshot.Parsed;
        }

        var entries = source.ToArray();
        var parsed = new List<FaultSpec>(entries.Length);
        foreach (var entry in entries)
        {
            if (FaultText.TryParse(entry, out var spec))
            {
                parsed.Add(spec);
            }
        }

        _snapshot = new Snapshot(source, entries, [.. parsed]);
        return _snapshot.Parsed;
    }

    private static bool SameEntries(string[] entries, IList<string> source)
    {
        if (entries.Length != source.Count)
        {
            return false;
        }

        for (var i = 0; i < entries.Length; i++)
        {
            if (!ReferenceEquals(entries[i], source[i]))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record Snapshot(IList<string>? Source, string[] Entries, FaultSpec[] Parsed);
}
