namespace Tokenkeeper.Simulator;

/// <summary>
/// Splits arguments into flags and values: <c>--flag value</c> or <c>--flag=value</c>. A flag's value is always
/// the next argument, even when it starts with '-' (so <c>--clock-skew -120s</c> works).
/// </summary>
internal static class FlagReader
{
    public static List<(string Flag, string? Value)> Read(string[] args, IReadOnlySet<string> valueFlags, IReadOnlySet<string> switches)
    {
        var result = new List<(string, string?)>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-'))
            {
                throw new SimulatorUsageException($"unexpected argument '{arg}'; flags start with --");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var flag = equals > 0 ? arg[..equals] : arg;
            if (switches.Contains(flag))
            {
                if (equals > 0)
                {
                    throw new SimulatorUsageException($"{flag} takes no value");
                }

                result.Add((flag, null));
                continue;
            }

            if (!valueFlags.Contains(flag))
            {
                throw new SimulatorUsageException($"unknown flag '{flag}'; run with --help for the list");
            }

            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Length)
            {
                value = args[++i];
            }
            else
            {
                throw new SimulatorUsageException($"{flag} needs a value");
            }

            result.Add((flag, value));
        }

        return result;
    }
}
