using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>A compact JWS split into its parts, with header and claims parsed; no signature check yet.</summary>
internal sealed class JwtParts
{
    private JwtParts(JsonElement header, JsonElement claims, byte[] signingInput, byte[] signature)
    {
        Header = header;
        Claims = claims;
        SigningInput = signingInput;
        Signature = signature;
    }

    public JsonElement Header { get; }

    public JsonElement Claims { get; }

    public byte[] SigningInput { get; }

    public byte[] Signature { get; }

    public string? Algorithm => StringOf(Header, "alg");

    public string? Claim(string name) => StringOf(Claims, name);

    /// <summary>A NumericDate claim (seconds since the epoch), or null when absent or not a number.</summary>
    public DateTimeOffset? TimeClaim(string name) =>
        Claims.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds)
            && seconds is > 0 and < 253402300799
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : null;

    /// <summary>The <c>aud</c> claim as a list: a string, or an array of strings.</summary>
    public IEnumerable<string> Audiences()
    {
        if (!Claims.TryGetProperty("aud", out var aud))
        {
            yield break;
        }

        if (aud.ValueKind == JsonValueKind.String)
        {
            yield return aud.GetString()!;
        }
        else if (aud.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in aud.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    yield return item.GetString()!;
                }
            }
        }
    }

    public static JwtParts? TryParse(string? jwt)
    {
        if (string.IsNullOrEmpty(jwt))
        {
            return null;
        }

        var parts = jwt.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || parts[2].Length == 0)
        {
            return null;
        }

        try
        {
            var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])).RootElement;
            var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement;
            if (header.ValueKind != JsonValueKind.Object || claims.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var signature = Base64Url.DecodeFromChars(parts[2]);
            return new JwtParts(header, claims, Encoding.ASCII.GetBytes(jwt[..(parts[0].Length + 1 + parts[1].Length)]), signature);
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return null;
        }
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
