using System.Buffers;
using System.Text.Json;

namespace Tokenkeeper.Sync.Writing;

/// <summary>A batch's request body: the records exactly as the source sent them, as a JSON array or wrapped in
/// <c>{"&lt;bodyField&gt;": […]}</c>. The same records always make the same bytes.</summary>
internal static class BatchBody
{
    public static byte[] Build(IReadOnlyList<ReadOnlyMemory<byte>> records, string? bodyField)
    {
        ArgumentNullException.ThrowIfNull(records);
        var buffer = new ArrayBufferWriter<byte>(16 + records.Sum(r => r.Length + 1));
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            if (bodyField is not null)
            {
                writer.WriteStartObject();
                writer.WritePropertyName(bodyField);
            }

            writer.WriteStartArray();
            foreach (var record in records)
            {
                writer.WriteRawValue(record.Span, skipInputValidation: true);
            }

            writer.WriteEndArray();
            if (bodyField is not null)
            {
                writer.WriteEndObject();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }
}
