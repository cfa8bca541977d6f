using System.Buffers.Binary;
using System.Text;

namespace Tokenkeeper.IntegrationTests.Support;

/// <summary>
/// A minimal reader of the protobuf wire format, enough to look into OTLP request bodies without their schema: a message is a
/// run of fields (varint, fixed 64-bit, length-delimited, fixed 32-bit); a length-delimited field may be a string, bytes or a
/// nested message, so each is tried as all of them.
/// </summary>
internal static class ProtobufWire
{
    private const int VarintType = 0;
    private const int Fixed64Type = 1;
    private const int LengthDelimitedType = 2;
    private const int Fixed32Type = 5;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>One field of a message: its number, wire type, and its value (a number, or the bytes of a length-delimited field).</summary>
    internal sealed record Field(int Number, int WireType, ulong Scalar, byte[]? Bytes);

    /// <summary>Reads <paramref name="data"/> as one message; false when it is not one (a field runs past the end, a wire type is
    /// unknown or deprecated, a field number is 0).</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out List<Field> fields)
    {
        fields = [];
        var at = 0;
        while (at < data.Length)
        {
            if (!TryReadVarint(data, ref at, out var key) || key >> 3 is 0 or > int.MaxValue)
            {
                return false;
            }

            var number = (int)(key >> 3);
            var type = (int)(key & 7);
            switch (type)
            {
                case VarintType when TryReadVarint(data, ref at, out var value):
                    fields.Add(new Field(number, type, value, null));
                    break;
                case Fixed64Type when data.Length - at >= 8:
                    fields.Add(new Field(number, type, BinaryPrimitives.ReadUInt64LittleEndian(data[at..]), null));
                    at += 8;
                    break;
                case Fixed32Type when data.Length - at >= 4:
                    fields.Add(new Field(number, type, BinaryPrimitives.ReadUInt32LittleEndian(data[at..]), null));
                    at += 4;
                    break;
                case LengthDelimitedType when TryReadVarint(data, ref at, out var length) && length <= (ulong)(data.Length - at):
                    fields.Add(new Field(number, type, length, data.Slice(at, (int)length).ToArray()));
                    at += (int)length;
                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    /// <summary>Every length-delimited field of <paramref name="message"/> and of the messages nested in it that is valid UTF-8
    /// text: metric and span names, attribute keys and string values, scope names.</summary>
    public static IReadOnlyList<string> Strings(byte[] message)
    {
        var found = new List<string>();
        Walk(message, found);
        return found;

        static void Walk(byte[] data, List<string> found)
        {
            if (!TryParse(data, out var fields))
            {
                return;
            }

            foreach (var field in fields.Where(f => f.Bytes is not null))
            {
                if (TryText(field.Bytes!) is { } text)
                {
                    found.Add(text);
                }

                Walk(field.Bytes!, found);
            }
        }
    }

    /// <summary>
    /// Every attribute with a string value in <paramref name="message"/>, at any depth: OTLP's <c>KeyValue</c> is field 1, the
    /// key, and field 2, an <c>AnyValue</c> whose field 1 is the string value.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> StringAttributes(byte[] message)
    {
        var found = new List<KeyValuePair<string, string>>();
        Walk(message, found);
        return found;

        static void Walk(byte[] data, List<KeyValuePair<string, string>> found)
        {
            if (!TryParse(data, out var fields))
            {
                return;
            }

            if (fields.Count == 2
                && fields[0] is { Number: 1, Bytes: { } keyBytes } && TryText(keyBytes) is { } key
                && fields[1] is { Number: 2, Bytes: { } valueBytes }
                && TryParse(valueBytes, out var value) && value is [{ Number: 1, Bytes: { } textBytes }] && TryText(textBytes) is { } text)
            {
                found.Add(new KeyValuePair<string, string>(key, text));
            }

            foreach (var field in fields.Where(f => f.Bytes is not null))
            {
                Walk(field.Bytes!, found);
            }
        }
    }

    private static string? TryText(byte[] bytes)
    {
        try
        {
            var text = StrictUtf8.GetString(bytes);
            return text.Length > 0 && !text.Any(char.IsControl) ? text : null;
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && at < data.Length; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
