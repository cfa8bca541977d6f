using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tokenkeeper.Sync.Checkpoints;

/// <summary>Reads and writes checkpoint payloads (JSON, snake_case).</summary>
internal static class CheckpointJson
{
    public static string Serialize(SyncCheckpoint checkpoint) => JsonSerializer.Serialize(checkpoint, CheckpointJsonContext.Default.SyncCheckpoint);

    /// <summary>Parses a stored payload; a payload this engine cannot read is a configuration problem, never silently reset.</summary>
    public static SyncCheckpoint Deserialize(string jobId, string payload)
    {
        SyncCheckpoint? checkpoint;
        try
        {
            checkpoint = JsonSerializer.Deserialize(payload, CheckpointJsonContext.Default.SyncCheckpoint);
        }
        catch (JsonException ex)
        {
            throw new TokenkeeperConfigurationException($"The stored checkpoint of job '{jobId}' cannot be read ({ex.Message}). Start over with --restart.", ex);
        }

        if (checkpoint is null || checkpoint.Schema != SyncConstants.CheckpointSchemaVersion)
        {
            throw new TokenkeeperConfigurationException($"The stored checkpoint of job '{jobId}' has schema {checkpoint?.Schema}; this version reads {SyncConstants.CheckpointSchemaVersion}. Start over with --restart.");
        }

        return checkpoint;
    }
}

/// <summary>Source-generated serialization of <see cref="SyncCheckpoint"/>.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(SyncCheckpoint))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
