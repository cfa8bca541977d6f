using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using Tokenkeeper.Connections;

using Tokenkeeper.Tokens;

namespace Tokenkeeper.Protocol;

/// <summary>
/// Turns what a token response says about lifetime into an absolute expiry (DESIGN.md contract 8):
/// <c>expires_in</c> (number or numeric string) → JWT <c>exp</c> → the profile's lifetime (Salesforce: from
/// <c>issued_at</c>) → the configured default.
/// </summary>
internal static class ExpiryNormalizer
{
    /// <summary>The outcome: an expiry and its source, or an error sentence for a malformed value.</summary>
    public readonly record struct Outcome(DateTimeOffset ExpiresAt, ExpirySource Source, string? Error);

    /// <summary>Reads a lifetime field in seconds. Absent, null or empty: (null, null). Zero: (null, null): "unknown" (some
    /// providers send 0 for "no expiry"; we fall back rather than loop). Negative, non-numeric or non-finite: an error.</summary>
    public static (TimeSpan? Lifetime, string? Error) ReadSeconds(JsonElement root, string name, TimeSpan max)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        double seconds;
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                seconds = element.GetDouble();
                break;
            case JsonValueKind.String:
                var text = element.GetString()!.Trim();
                if (text.Length == 0)
                {
                    return (null, null);
                }

                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
                {
                    return (null, $"'{name}' is not a number");
                }

                break;
            default:
                return (null, $"'{name}' is a JSON {element.ValueKind}, not a number");
        }

        if (double.IsNaN(seconds) || double.IsInfinity(seconds))
        {
            return (null, $"'{name}' is not a finite number");
        }

        if (seconds < 0)
        {
            return (null, $"'{name}' is negative");
        }

        if (seconds == 0)
        {
            return (null, null);
        }

        return (seconds >= max.TotalSeconds ? max : TimeSpan.FromSeconds(Math.Floor(seconds)), null);
    }

    /// <summary>Resolves the access token's expiry.</summary>
    public static Outcome Resolve(JsonElement root, string accessToken, DateTimeOffset sentAt, TimeSpan skew, ProviderProfile profile, TimeSpan defaultLifetime)
    {
        var (expiresIn, error) = ReadSeconds(root, "expires_in", TokenConstants.MaxAccessTokenLifetime);
        if (error is not null)
        {
            return new Outcome(default, default, error);
        }

        if (expiresIn is { } lifetime)
        {
            return new Outcome(sentAt + lifetime, ExpirySource.ExpiresIn, null);
        }

        if (TryReadJwtExpiry(accessToken, out var exp))
        {
            var local = exp - skew;
            if (local > sentAt)
            {
                var capped = sentAt + TokenConstants.MaxAccessTokenLifetime;
                return new Outcome(local < capped ? local : capped, ExpirySource.JwtExpiry, null);
            }
        }

        if (profile.AccessTokenLifetime is { } profileLifetime)
        {
            var start = sentAt;
            if (profile.LifetimeFromIssuedAt && TryReadIssuedAt(root, out var issuedAt))
            {
                var local = issuedAt - skew;
                start = local < sentAt ? local : sentAt;
            }

            return new Outcome(start + profileLifetime, ExpirySource.ProviderProfile, null);
        }

        return new Outcome(sentAt + defaultLifetime, ExpirySource.Default, null);
    }

    /// <summary>Reads the <c>exp</c> claim of a JWS compact token without validating it (the client is not the audience's validator).</summary>
    public static bool TryReadJwtExpiry(string token, out DateTimeOffset expiresAt)
    {
        expiresAt = default;
        var first = token.IndexOf('.', StringComparison.Ordinal);
        if (first <= 0)
        {
            return false;
        }

        var second = token.IndexOf('.', first + 1);
        if (second < 0 || second - first - 1 > 64 * 1024)
        {
            return false;
        }

        var payload = token.AsSpan(first + 1, second - first - 1);
        var buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payload.Length));
        try
        {
            if (Base64Url.DecodeFromChars(payload, buffer, out _, out var written) != OperationStatus.Done)
            {
                return false;
            }

            using var document = JsonDocument.Parse(buffer.AsMemory(0, written));
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("exp", out var exp)
                && exp.ValueKind == JsonValueKind.Number
                && exp.TryGetDouble(out var seconds)
                && seconds > 0 && seconds < 253402300799)
            {
                expiresAt = DateTimeOffset.FromUnixTimeSeconds((long)seconds);
                return true;
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryReadIssuedAt(JsonElement root, out DateTimeOffset issuedAt)
    {
        issuedAt = default;
        if (!root.TryGetProperty("issued_at", out var element))
        {
            return false;
        }

        long millis;
        if (element.ValueKind == JsonValueKind.String)
        {
            if (!long.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out millis))
            {
                return false;
            }
        }
        else if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out millis))
        {
            return false;
        }

        if (millis <= 0 || millis > 253402300799999)
        {
            return false;
        }

        issuedAt = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        return true;
    }
}
