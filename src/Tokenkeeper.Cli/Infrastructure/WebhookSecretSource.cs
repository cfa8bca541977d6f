using Tokenkeeper.Lifecycle;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>
/// Where <c>lifecycle run</c> finds its webhook secrets: a file named by <c>--webhook-secret-file</c> (one <c>whsec_</c> secret per
/// line, <c>#</c> comments allowed), else the environment variable <see cref="EnvironmentVariable"/> (comma-separated). Never the
/// command line, where every user of the machine can read it.
/// </summary>
internal static class WebhookSecretSource
{
    /// <summary>The environment variable that holds secrets, comma-separated.</summary>
    public const string EnvironmentVariable = "TOKENKEEPER_WEBHOOK_SECRETS";

    /// <summary>The variable of versions before Standard Webhooks signing (one plain secret): refused with advice.</summary>
    public const string FormerEnvironmentVariable = "TOKENKEEPER_WEBHOOK_SECRET";

    /// <summary>The secrets to sign with, in order (the first signs first).</summary>
    /// <param name="file">The <c>--webhook-secret-file</c> path, if given.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <exception cref="TokenkeeperConfigurationException">None is given, or one is not a <c>whsec_</c> secret: the message says where
    /// to put one and never repeats a secret.</exception>
    /// <param name="warn">Where a warning goes (a secret file other users can read).</param>
    public static IReadOnlyList<WebhookSecret> Resolve(string? file, Func<string, string?> environment, TextWriter? warn = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (file is not null)
        {
            if (ReadableByOthers(file) is { } mode)
            {
                warn?.WriteLine($"tokenkeeper: warning: {file} can be read by other users of this machine (mode {mode}); its webhook secrets sign alerts your receivers trust: chmod 600 {file}");
            }

            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new TokenkeeperConfigurationException($"--webhook-secret-file {file} cannot be read ({ex.Message}).");
            }

            return WebhookSecret.ParseList(text, $"--webhook-secret-file {file}", '\n');
        }

        if (environment(EnvironmentVariable) is { Length: > 0 } listed)
        {
            return WebhookSecret.ParseList(listed, EnvironmentVariable, ',', '\n'); // a file's contents pasted in work too
        }

        var former = environment(FormerEnvironmentVariable) is { Length: > 0 }
            ? $" ({FormerEnvironmentVariable} is no longer read: webhooks are signed per Standard Webhooks now, with whsec_ secrets.)"
            : "";
        throw new TokenkeeperConfigurationException(
            $"A webhook needs a signing secret: put one whsec_ secret per line in a file and pass --webhook-secret-file FILE, or set {EnvironmentVariable} (comma-separated). "
            + $"Make one with: {CliConstants.ToolName} lifecycle webhook-secret --add FILE.{former}");
    }

    /// <summary>Adds a new secret to <paramref name="file"/> (created readable by its owner only), after those it holds, and
    /// returns it: during a rotation both sign until the old line is removed.</summary>
    public static WebhookSecret Add(string file)
    {
        var secret = WebhookSecret.Generate();
        var existing = File.Exists(file) ? File.ReadAllText(file) : null;
        if (existing is not null)
        {
            WebhookSecret.ParseList(existing + "\n" + secret.Encode(), file, '\n'); // refuse to add to a file that is not a secret file
        }

        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
            if (existing is not null)
            {
                File.SetUnixFileMode(file, OwnerOnly); // an existing file others could read is tightened before a secret goes in
            }
        }

        using (var stream = new FileStream(file, options))
        using (var writer = new StreamWriter(stream))
        {
            if (existing is { Length: > 0 } && !existing.EndsWith('\n'))
            {
                writer.WriteLine();
            }

            writer.WriteLine(secret.Encode());
        }

        return secret;
    }

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The octal mode of <paramref name="file"/> when users other than its owner can read it; null otherwise (and on
    /// Windows, or when it cannot be told).</summary>
    private static string? ReadableByOthers(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        try
        {
            var mode = File.GetUnixFileMode(file);
            return (mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0 ? Convert.ToString((int)mode & 0x1FF, 8) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
