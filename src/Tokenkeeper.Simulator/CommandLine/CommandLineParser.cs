using System.Globalization;

namespace Tokenkeeper.Simulator;

/// <summary>
/// Turns flags into a <see cref="SimulatorInvocation"/>: the <c>--personality</c> preset first, then the
/// <c>--config</c> file, then every other flag, whatever order they were given in.
/// </summary>
internal static class CommandLineParser
{
    private const string NoIntrospection = "--no-introspection";

    private static readonly HashSet<string> HelpSwitches = ["--help", "-h"];

    private static readonly HashSet<string> Switches = [.. HelpSwitches, NoIntrospection];

    private static readonly HashSet<string> ValueFlags =
    [
        "--access-ttl", "--expires-in", "--token-format", "--refresh-absolute-ttl", "--refresh-idle-ttl", "--rotation",
        "--reuse-interval", "--rate-limit", "--token-delay", "--fault-rate", "--faults", "--api-fault-rate", "--api-faults", "--clock-skew",
        "--revoke-rate", "--contacts", "--seed", "--personality", "--port", "--config", "--log-level",
    ];

    public static SimulatorInvocation Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var flags = FlagReader.Read(args, ValueFlags, Switches);
        var help = flags.Exists(f => HelpSwitches.Contains(f.Flag));
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (flag, value) in flags)
        {
            if (value is not null)
            {
                values[flag] = value;
            }
        }

        var options = values.TryGetValue("--personality", out var personality) ? Preset(personality) : new SimulatorOptions();
        var configPath = values.GetValueOrDefault("--config");
        if (configPath is not null)
        {
            ConfigFile.Apply(configPath, options);
        }

        var port = SimulatorDefaults.CommandLinePort;
        var logLevel = LogLevel.Information;
        foreach (var (flag, value) in values)
        {
            switch (flag)
            {
                case "--port":
                    port = Integer(flag, value, 0, 65535);
                    break;
                case "--log-level":
                    logLevel = Level(value);
                    break;
                case "--personality" or "--config":
                    break;
                default:
                    ApplyDial(flag, value, options);
                    break;
            }
        }

        if (flags.Exists(f => f.Flag == NoIntrospection))
        {
            options.IntrospectionEnabled = false;
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new SimulatorUsageException(e.Message, e);
        }

        return new SimulatorInvocation { Options = options, Port = port, LogLevel = logLevel, ConfigPath = configPath, ShowHelp = help };
    }

    private static SimulatorOptions Preset(string name)
    {
        try
        {
            return SimulatorOptions.ForPersonality(name);
        }
        catch (ArgumentException e)
        {
            throw new SimulatorUsageException("--personality: " + e.Message, e);
        }
    }

    private static void ApplyDial(string flag, string value, SimulatorOptions o)
    {
        switch (flag)
        {
            case "--access-ttl":
                o.AccessTtl = PositiveDuration(flag, value);
                break;
            case "--expires-in":
                o.ExpiresIn = Choice(flag, value, ("number", ExpiresInStyle.Number), ("string", ExpiresInStyle.String), ("omit", ExpiresInStyle.Omit));
                break;
            case "--token-format":
                o.TokenFormat = Choice(flag, value, ("opaque", TokenFormat.Opaque), ("jwt", TokenFormat.Jwt));
                break;
            case "--refresh-absolute-ttl":
                o.RefreshAbsoluteTtl = IsOff(value) ? null : PositiveDuration(flag, value);
                break;
            case "--refresh-idle-ttl":
                o.RefreshIdleTtl = IsOff(value) ? null : PositiveDuration(flag, value);
                break;
            case "--rotation":
                if (!RotationText.TryParse(value, out var mode, out var grace))
                {
                    throw Invalid(flag, value, RotationText.Syntax);
                }

                o.Rotation = mode;
                o.RotationGrace = grace ?? o.RotationGrace;
                break;
            case "--reuse-interval":
                o.ReuseInterval = Duration(flag, value, allowNegative: false);
                break;
            case "--rate-limit":
                if (!RateLimitText.TryParse(value, out var count, out var window))
                {
                    throw Invalid(flag, value, RateLimitText.Syntax);
                }

                (o.RateLimitCount, o.RateLimitWindow) = (count, window);
                break;
            case "--token-delay":
                o.TokenResponseDelay = Duration(flag, value, allowNegative: false);
                break;
            case "--fault-rate":
                o.FaultRate = Probability(flag, value);
                break;
            case "--api-fault-rate":
                o.ApiFaultRate = Probability(flag, value);
                break;
            case "--revoke-rate":
                o.RevokeRate = Probability(flag, value);
                break;
            case "--faults":
                o.Faults = FaultList(flag, value);
                break;
            case "--api-faults":
                o.ApiFaults = FaultList(flag, value);
                break;
            case "--clock-skew":
                o.ClockSkew = Duration(flag, value, allowNegative: true);
                break;
            case "--contacts":
                o.Contacts = Integer(flag, value, 0, SimulatorDefaults.ContactsMax);
                break;
            case "--seed":
                o.Seed = Integer(flag, value, int.MinValue, int.MaxValue);
                break;
            default:
                throw new SimulatorUsageException($"unknown flag '{flag}'");
        }
    }

    private static bool IsOff(string value) => string.Equals(value, "off", StringComparison.OrdinalIgnoreCase);

    private static TimeSpan Duration(string flag, string value, bool allowNegative) =>
        DurationText.TryParse(value, allowNegative, out var duration) ? duration : throw Invalid(flag, value, DurationText.Syntax);

    private static TimeSpan PositiveDuration(string flag, string value)
    {
        var duration = Duration(flag, value, allowNegative: false);
        return duration > TimeSpan.Zero ? duration : throw Invalid(flag, value, "a positive duration, " + DurationText.Syntax);
    }

    private static double Probability(string flag, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 1
            ? p
            : throw Invalid(flag, value, "a probability from 0 to 1, such as 0.05");

    private static int Integer(string flag, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw Invalid(flag, value, string.Create(CultureInfo.InvariantCulture, $"a whole number from {min} to {max}"));

    private static T Choice<T>(string flag, string value, params (string Name, T Value)[] choices)
    {
        foreach (var (name, choice) in choices)
        {
            if (string.Equals(name, value, StringComparison.OrdinalIgnoreCase))
            {
                return choice;
            }
        }

        throw Invalid(flag, value, string.Join(", ", choices.Select(c => c.Name)));
    }

    private static List<string> FaultList(string flag, string value)
    {
        var faults = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        foreach (var fault in faults)
        {
            if (!FaultText.TryParse(fault, out _))
            {
                throw new SimulatorUsageException($"{flag}: {FaultText.UnknownMessage(fault)}");
            }
        }

        return faults;
    }

    private static LogLevel Level(string value) => value.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "critical" => LogLevel.Critical,
        "none" => LogLevel.None,
        _ => throw Invalid("--log-level", value, "trace, debug, information, warning, error, critical or none"),
    };

    private static SimulatorUsageException Invalid(string flag, string value, string expected) =>
        new($"{flag}: '{value}' is not valid; expected {expected}");
}
