using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Lifecycle;

namespace Tokenkeeper.Tests.Cli.Infrastructure;

/// <summary>Where <c>lifecycle run</c> finds webhook secrets, and how <c>lifecycle webhook-secret --add</c> keeps the file.</summary>
public sealed class WebhookSecretSourceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-hook-secrets-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void TheFile_WinsOverTheEnvironment_AndAllowsCommentsBlankLinesAndCrlf()
    {
        var (a, b) = (WebhookSecret.Generate(), WebhookSecret.Generate());
        var file = Path.Combine(_directory, "secrets");
        File.WriteAllText(file, $"# ops\r\n{a.Encode()}\r\n\r\n{b.Encode()}\r\n");

        var secrets = WebhookSecretSource.Resolve(file, _ => WebhookSecret.Generate().Encode());

        Assert.Equal([a.Fingerprint, b.Fingerprint], secrets.Select(s => s.Fingerprint));
    }

    [Theory]
    [InlineData(",")]
    [InlineData("\n")]
    [InlineData(", ")]
    public void TheEnvironmentVariable_TakesSecretsSeparatedByCommasOrNewlines(string separator)
    {
        var (a, b) = (WebhookSecret.Generate(), WebhookSecret.Generate());

        var secrets = WebhookSecretSource.Resolve(null, name => name == WebhookSecretSource.EnvironmentVariable ? a.Encode() + separator + b.Encode() + separator : null);

        Assert.Equal([a.Fingerprint, b.Fingerprint], secrets.Select(s => s.Fingerprint));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // this suite runs on Linux (CI)
    public void AFileOthersCanRead_IsUsed_WithAWarningThatSaysHowToFixIt()
    {
        var file = Path.Combine(_directory, "secrets");
        File.WriteAllText(file, WebhookSecret.Generate().Encode() + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var warnings = new StringWriter();

        var secrets = WebhookSecretSource.Resolve(file, _ => null, warnings);

        Assert.Single(secrets);
        Assert.Contains("mode 644", warnings.ToString(), StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {file}", warnings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Add_CreatesTheFileForItsOwnerOnly_AndTightensAnExistingOne_KeepingItsSecrets()
    {
        var created = Path.Combine(_directory, "new");
        var existing = Path.Combine(_directory, "existing");
        var old = WebhookSecret.Generate();
        File.WriteAllText(existing, old.Encode()); // no trailing newline
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(existing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        }

        var first = WebhookSecretSource.Add(created);
        var added = WebhookSecretSource.Add(existing);

        Assert.Equal([first.Fingerprint], WebhookSecretSource.Resolve(created, _ => null).Select(s => s.Fingerprint));
        Assert.Equal([old.Fingerprint, added.Fingerprint], WebhookSecretSource.Resolve(existing, _ => null).Select(s => s.Fingerprint));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(created));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(existing));
        }
    }

    [Fact]
    public void AddingToAFileThatIsNotASecretFile_IsRefused_AndChangesNothing()
    {
        var file = Path.Combine(_directory, "hosts");
        File.WriteAllText(file, "127.0.0.1 localhost\n");

        Assert.Throws<TokenkeeperConfigurationException>(() => WebhookSecretSource.Add(file));

        Assert.Equal("127.0.0.1 localhost\n", File.ReadAllText(file));
    }
}
