namespace Tokenkeeper.Sync.Reading;

/// <summary>One page read from the source: its records as raw JSON, where the next page is (null: this was the last), and
/// the total the source states, if any.</summary>
internal sealed record SourcePage(IReadOnlyList<ReadOnlyMemory<byte>> Items, SourcePosition? Next, long? Total);
