using System.Text.Json.Serialization;

namespace Tokenkeeper.Sync.Checkpoints;

/// <summary>The settings that decide which records go in which numbered batch. A generation keeps them: changing one
/// mid-generation would send a different body under a key the destination has already seen.</summary>
internal sealed record CheckpointShape
{
    [JsonPropertyName("source_url")]
    public required string SourceUrl { get; init; }

    [JsonPropertyName("pagination")]
    public required string Pagination { get; init; }

    [JsonPropertyName("page_size")]
    public int PageSize { get; init; }

    [JsonPropertyName("items_field")]
    public string? ItemsField { get; init; }

    [JsonPropertyName("destination_url")]
    public required string DestinationUrl { get; init; }

    [JsonPropertyName("batch_size")]
    public int BatchSize { get; init; }

    [JsonPropertyName("body_field")]
    public string? BodyField { get; init; }

    public static CheckpointShape Of(SyncJob job) => new()
    {
        SourceUrl = job.Source.Url.ToString(),
        Pagination = job.Source.Pagination.ToString(),
        PageSize = job.Source.PageSize,
        ItemsField = job.Source.ItemsField,
        DestinationUrl = job.Destination.Url.ToString(),
        BatchSize = job.Destination.BatchSize,
        BodyField = job.Destination.BodyField,
    };

    /// <summary>What differs from <paramref name="now"/>, as "setting: was → is" lines; empty when nothing does.</summary>
    public IReadOnlyList<string> Differences(CheckpointShape now)
    {
        ArgumentNullException.ThrowIfNull(now);
        var changes = new List<string>();
        void Compare<T>(string name, T was, T @is)
        {
            if (!EqualityComparer<T>.Default.Equals(was, @is))
            {
                changes.Add($"{name} was {Show(was)}, is now {Show(@is)}");
            }
        }

        Compare("source url", SourceUrl, now.SourceUrl);
        Compare("pagination", Pagination, now.Pagination);
        Compare("pageSize", PageSize, now.PageSize);
        Compare("itemsField", ItemsField, now.ItemsField);
        Compare("destination url", DestinationUrl, now.DestinationUrl);
        Compare("batchSize", BatchSize, now.BatchSize);
        Compare("bodyField", BodyField, now.BodyField);
        return changes;
    }

    private static string Show<T>(T value) => value is null ? "null" : $"'{value}'";
}
