using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>Builds a JSON body with a <see cref="Utf8JsonWriter"/>, so responses keep a fixed member order and cost little.</summary>
internal static class JsonBody
{
    /// <summary>Writer options for every response: relaxed escaping (apostrophes stay readable), no validation cost.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Build<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer, state);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Error(string error, string description) =>
        Build((error, description), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("error", s.error);
            w.WriteString("error_description", s.description);
            w.WriteEndObject();
        });

    /// <summary>Writes an epoch-seconds number.</summary>
    public static void WriteEpoch(this Utf8JsonWriter writer, string name, DateTimeOffset time) =>
        writer.WriteNumber(name, time.ToUnixTimeSeconds());

    /// <summary>Writes an ISO 8601 UTC timestamp, or null.</summary>
    public static void WriteTime(this Utf8JsonWriter writer, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            writer.WriteString(name, value.UtcDateTime);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
