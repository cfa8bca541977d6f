using System.Globalization;
using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>Reads and writes the dials as JSON (<c>GET/POST /sim/dials</c>, the config file's <c>dials</c>).</summary>
internal static class DialsJson
{
    public static byte[] Body(SimulatorOptions options) => JsonBody.Build(options, static (w, o) =>
    {
        w.WriteStartObject();
        foreach (var (name, value) in Dials.Current(o))
        {
            switch (value)
            {
                case null:
                    w.WriteNull(name);
                    break;
                case string text:
                    w.WriteString(name, text);
                    break;
                case string[] list:
                    w.WriteStartArray(name);
                    foreach (var item in list)
                    {
                        w.WriteStringValue(item);
                    }

                    w.WriteEndArray();
                    break;
                case int number:
                    w.WriteNumber(name, number);
                    break;
                case double number:
                    w.WriteNumber(name, number);
                    break;
                case bool flag:
                    w.WriteBoolean(name, flag);
                    break;
            }
        }

        w.WriteEndObject();
    });

    /// <summary>
    /// Applies a partial dials object to <paramref name="target"/>; all or nothing. Returns the problem, or null.
    /// Durations are strings (<c>"30s"</c>) or numbers of seconds; lists are arrays or comma-separated strings; switches
    /// are <c>true</c> or <c>false</c>.
    /// </summary>
    /// <param name="dials">The partial dials object.</param>
    /// <param name="target">The options to change.</param>
    /// <param name="validate">Check the result as a whole (off while a command line is still being read).</param>
    public static string? Apply(JsonElement dials, SimulatorOptions target, bool validate = true)
    {
        if (dials.ValueKind != JsonValueKind.Object)
        {
            return "dials must be a JSON object";
        }

        var scratch = new SimulatorOptions { Clients = target.Clients, Users = target.Users, TestUser = target.TestUser };
        Dials.Copy(target, scratch);
        foreach (var property in dials.EnumerateObject())
        {
            var problem = ApplyOne(property.Name, property.Value, scratch);
            if (problem is not null)
            {
                return problem;
            }
        }

        try
        {
            if (validate)
            {
                scratch.Validate();
            }
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }

        Dials.Copy(scratch, target);
        return null;
    }

    private static string? ApplyOne(string name, JsonElement value, SimulatorOptions o)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var bad = $"dial '{name}' has an invalid value {value.GetRawText()}";
        switch (name)
        {
            case "personality":
                if (!PersonalityPresets.TryResolve(text, out var kind))
                {
                    return PersonalityPresets.UnknownMessage(text);
                }

                o.Personality = PersonalityPresets.Names[(int)kind];
                return null;
            case "access_ttl":
                return DialValues.Duration(value, false, d => o.AccessTtl = d) ? null : bad;
            case "expires_in":
                return DialValues.Enum(text, (ExpiresInStyle e) => o.ExpiresIn = e) ? null : bad + "; use number, string or omit";
            case "token_format":
                return DialValues.Enum(text, (TokenFormat e) => o.TokenFormat = e) ? null : bad + "; use opaque or jwt";
            case "jwt_signing_algorithm":
                return DialValues.Enum(text, (JwtSigningAlgorithm e) => o.JwtSigningAlgorithm = e) ? null : bad + "; use HS256 or RS256";
            case "refresh_absolute_ttl":
                return DialValues.NullableDuration(value, d => o.RefreshAbsoluteTtl = d) ? null : bad;
            case "refresh_idle_ttl":
                return DialValues.NullableDuration(value, d => o.RefreshIdleTtl = d) ? null : bad;
            case "rotation":
                if (!RotationText.TryParse(text, out var mode, out var grace))
                {
                    return bad + "; use " + RotationText.Syntax;
                }

                o.Rotation = mode;
                o.RotationGrace = grace ?? o.RotationGrace;
                return null;
            case "rotation_grace":
                return DialValues.Duration(value, false, d => o.RotationGrace = d) ? null : bad;
            case "reuse_interval":
                return DialValues.Duration(value, false, d => o.ReuseInterval = d) ? null : bad;
            case "rate_limit":
                if (value.ValueKind == JsonValueKind.Null)
                {
                    o.RateLimitCount = null;
                    return null;
                }

                if (!RateLimitText.TryParse(text, out var count, out var window))
                {
                    return bad + "; use " + RateLimitText.Syntax + " or null";
                }

                (o.RateLimitCount, o.RateLimitWindow) = (count, window);
                return null;
            case "token_delay":
                return DialValues.Duration(value, false, d => o.TokenResponseDelay = d) ? null : bad;
            case "fault_rate":
                return DialValues.Number(value, r => o.FaultRate = r) ? null : bad;
            case "api_fault_rate":
                return DialValues.Number(value, r => o.ApiFaultRate = r) ? null : bad;
            case "revoke_rate":
                return DialValues.Number(value, r => o.RevokeRate = r) ? null : bad;
            case "faults":
                return DialValues.List(value, l => o.Faults = l) ? null : bad;
            case "api_faults":
                return DialValues.List(value, l => o.ApiFaults = l) ? null : bad;
            case "clock_skew":
                return DialValues.Duration(value, true, d => o.ClockSkew = d) ? null : bad;
            case "introspection_enabled":
                return DialValues.Boolean(value, b => o.IntrospectionEnabled = b) ? null : bad + "; use true or false";
            case "contacts":
                return DialValues.Integer(value, n => o.Contacts = n) ? null : bad;
            case "seed":
                return DialValues.Integer(value, n => o.Seed = n) ? null : bad;
            default:
                return $"unknown dial '{name}'; dials: {string.Join(", ", Dials.Names)}";
        }
    }
}
