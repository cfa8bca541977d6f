namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>A command that ends with a message for a person and a chosen exit code (see <see cref="ExitCodes"/>).</summary>
internal sealed class CommandFailedException(int exitCode, string message) : Exception(message)
{
    /// <summary>The exit code the command ends with.</summary>
    public int ExitCode { get; } = exitCode;
}
