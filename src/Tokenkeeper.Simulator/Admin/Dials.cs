using System.Globalization;

namespace Tokenkeeper.Simulator;

/// <summary>
/// The dials as named by <c>GET/POST /sim/dials</c>, the config file's <c>dials</c> object and the start-up
/// banner: snake_case names matching the flags, values written as the flags write them.
/// </summary>
internal static class Dials
{
    /// <summary>Every dial name, in display order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "personality", "access_ttl", "expires_in", "token_format", "jwt_signing_algorithm", "refresh_absolute_ttl",
        "refresh_idle_ttl", "rotation", "rotation_grace", "reuse_interval", "rate_limit", "token_delay", "fault_rate", "faults",
        "api_fault_rate", "api_faults", "clock_skew", "revoke_rate", "introspection_enabled", "contacts", "seed",
    ];

    /// <summary>The current value of each dial: a string, a number, a boolean, a string list, or null.</summary>
    public static IEnumerable<(string Name, object? Value)> Current(SimulatorOptions o)
    {
        yield return ("personality", o.Personality);
        yield return ("access_ttl", DurationText.Format(o.AccessTtl));
        yield return ("expires_in", o.ExpiresIn.ToString().ToLowerInvariant());
        yield return ("token_format", o.TokenFormat.ToString().ToLowerInvariant());
        yield return ("jwt_signing_algorithm", o.JwtSigningAlgorithm.ToString());
        yield return ("refresh_absolute_ttl", o.RefreshAbsoluteTtl is { } a ? DurationText.Format(a) : null);
        yield return ("refresh_idle_ttl", o.RefreshIdleTtl is { } i ? DurationText.Format(i) : null);
        yield return ("rotation", RotationText.Format(o.Rotation, o.RotationGrace));
        yield return ("rotation_grace", DurationText.Format(o.RotationGrace));
        yield return ("reuse_interval", DurationText.Format(o.ReuseInterval));
        yield return ("rate_limit", o.RateLimitCount is null ? null : RateLimitText.Format(o.RateLimitCount, o.RateLimitWindow));
        yield return ("token_delay", DurationText.Format(o.TokenResponseDelay));
        yield return ("fault_rate", o.FaultRate);
        yield return ("faults", o.Faults.ToArray());
        yield return ("api_fault_rate", o.ApiFaultRate);
        yield return ("api_faults", o.ApiFaults.ToArray());
        yield return ("clock_skew", DurationText.Format(o.ClockSkew));
        yield return ("revoke_rate", o.RevokeRate);
        yield return ("introspection_enabled", o.IntrospectionEnabled);
        yield return ("contacts", o.Contacts);
        yield return ("seed", o.Seed);
    }

    /// <summary>One line per dial, for the start-up banner.</summary>
    public static string Describe(SimulatorOptions options) => string.Join(
        Environment.NewLine,
        Current(options).Select(d => string.Create(CultureInfo.InvariantCulture, $"  {d.Name,-22} {Text(d.Value)}")));

    private static string Text(object? value) => value switch
    {
        null => "off",
        bool flag => flag ? "true" : "false",
        string[] list => list.Length == 0 ? "(none)" : string.Join(',', list),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Copies every dial (not clients, users or issuer) from one options object to another.</summary>
    public static void Copy(SimulatorOptions from, SimulatorOptions to)
    {
        to.Personality = from.Personality;
        to.AccessTtl = from.AccessTtl;
        to.ExpiresIn = from.ExpiresIn;
        to.TokenFormat = from.TokenFormat;
        to.JwtSigningAlgorithm = from.JwtSigningAlgorithm;
        to.RefreshAbsoluteTtl = from.RefreshAbsoluteTtl;
        to.RefreshIdleTtl = from.RefreshIdleTtl;
        to.Rotation = from.Rotation;
        to.RotationGrace = from.RotationGrace;
        to.ReuseInterval = from.ReuseInterval;
        to.RateLimitCount = from.RateLimitCount;
        to.RateLimitWindow = from.RateLimitWindow;
        to.TokenResponseDelay = from.TokenResponseDelay;
        to.FaultRate = from.FaultRate;
        to.Faults = [.. from.Faults];
        to.ApiFaultRate = from.ApiFaultRate;
        to.ApiFaults = [.. from.ApiFaults];
        to.ClockSkew = from.ClockSkew;
        to.RevokeRate = from.RevokeRate;
        to.IntrospectionEnabled = from.IntrospectionEnabled;
        to.Contacts = from.Contacts;
        to.Seed = from.Seed;
    }
}
