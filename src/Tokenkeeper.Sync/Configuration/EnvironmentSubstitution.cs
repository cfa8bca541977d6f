using System.Text.RegularExpressions;

namespace Tokenkeeper.Sync.Configuration;

/// <summary>Replaces every <c>${env:NAME}</c> in a job-file string with the variable's value.</summary>
internal static partial class EnvironmentSubstitution
{
    [GeneratedRegex(@"\$\{env:([^}]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();

    /// <summary>The substituted text, and the variable's name when the whole value was one reference.</summary>
    /// <exception cref="FormatException">A reference is malformed or names an unset variable; the message says which.</exception>
    public static (string Value, string? WholeVariable) Apply(string text, Func<string, string?> environment)
    {
        string? whole = null;
        var value = Reference().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            if (!VariableName().IsMatch(name))
            {
                throw new FormatException($"'{match.Value}' is not a valid environment variable reference (use ${{env:NAME}} with letters, digits and '_')");
            }

            if (match.Length == text.Length)
            {
                whole = name;
            }

            return environment(name) ?? throw new FormatException($"the environment variable {name} is not set");
        });
        return (value, whole);
    }
}
