using System.Diagnostics;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Simulator;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>Operator output written to a pipe or a file (issue 13, item 6, in part): no escape codes even when the terminal
/// type says colours, the width from <c>COLUMNS</c>, and connection ids never cut.</summary>
public sealed class PipedOutputTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-piped-").FullName;
    private readonly string _key = EncryptionKeys.NewKey();
    private SimulatorServer _simulator = null!;

    private string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorServer.StartAsync(new SimulatorOptions());
        var store = new CliStore(StorePath, _key);
        await store.RegisterAsync(_simulator, "crm-read", ProviderProfiles.Generic, DateTimeOffset.UtcNow);
        await store.RegisterAsync(_simulator, "crm-write-warehouse", ProviderProfiles.Generic, DateTimeOffset.UtcNow);
    }

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("connections list")]
    [InlineData("connections show crm-read")]
    public async Task A_piped_table_has_no_escape_codes_even_on_a_colour_terminal(string command)
    {
        var output = await RunAsync(command, columns: null);

        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
        Assert.Contains("crm-read", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_list_fits_the_width_columns_asks_for_and_never_cuts_an_id()
    {
        var output = await RunAsync("connections list", columns: 80);

        Assert.All(output.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 80, $"wider than 80: '{line}'"));
        Assert.Contains("crm-read", output, StringComparison.Ordinal);
        Assert.Contains("crm-write-warehouse", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_list_in_a_narrow_terminal_leaves_out_whole_columns_by_priority_instead_of_wrapping_every_cell()
    {
        var output = await RunAsync("connections list", columns: 60);

        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.All(lines, line => Assert.True(line.Length <= 60, $"wider than 60: '{line}'"));
        var header = Assert.Single(lines, l => l.Contains(" id ", StringComparison.Ordinal));
        Assert.Contains(" state ", header, StringComparison.Ordinal);
        Assert.Contains(" access token ", header, StringComparison.Ordinal);
        Assert.DoesNotContain("provider", header, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("crm-read", StringComparison.Ordinal) && l.Contains("Active", StringComparison.Ordinal)); // one line per row
        Assert.Contains(lines, l => l.Contains("crm-write-warehouse", StringComparison.Ordinal) && l.Contains("Active", StringComparison.Ordinal));
        Assert.Contains("Left out to fit 60 columns: provider", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_access_token_past_its_expiry_reads_expired_ago_and_a_live_one_expires_in()
    {
        await WriteAccessTokenAsync("crm-read", DateTimeOffset.UtcNow.AddSeconds(-84));
        await WriteAccessTokenAsync("crm-write-warehouse", DateTimeOffset.UtcNow.AddMinutes(30));

        var list = await RunAsync("connections list", columns: 200);
        var show = await RunAsync("connections show crm-read", columns: 200);

        Assert.Matches(@"crm-read\s.*expired 8\ds ago", list);
        Assert.Matches(@"crm-write-warehouse\s.*expires in (29|30)m", list);
        Assert.Matches(@"access token\s+[0-9a-f]{8}, expired 8\ds ago \(\d{4}-\d\d-\d\d \d\d:\d\d\)", show);
    }

    [Fact]
    public async Task Lifecycle_plan_says_for_each_connection_what_happens_next_or_why_nothing_does()
    {
        await new CliStore(StorePath, _key).RegisterAsync(_simulator, "reports", ProviderProfiles.GoogleTesting, DateTimeOffset.UtcNow);

        var plan = await RunAsync("lifecycle plan", columns: 200);

        Assert.Matches(@"(?m)^crm-read: nothing planned: its refresh token has no idle or absolute deadline \(provider profile 'generic'\)", plan);
        Assert.Matches(@"(?m)^crm-write-warehouse: nothing planned: its refresh token has no idle or absolute deadline", plan);
        // Authorised just now with 7-day refresh tokens: the 14-day warning is already due.
        Assert.Matches(@"(?m)^reports: next: warning: 14 day\(s\) before the refresh token expires, due now\r?$", plan);
        Assert.DoesNotContain("\nnothing planned", "\n" + plan, StringComparison.Ordinal);
    }

    /// <summary>Gives a stored connection an access token that expires at <paramref name="expiresAt"/>, as a refresh would.</summary>
    private async Task WriteAccessTokenAsync(string id, DateTimeOffset expiresAt)
    {
        using var protector = new Tokenkeeper.Storage.AesGcmSecretProtector(Convert.FromBase64String(_key));
        using var store = new Tokenkeeper.Sqlite.SqliteTokenStore(new Tokenkeeper.Sqlite.SqliteTokenStoreOptions { Path = StorePath, Protector = protector });
        var record = await store.GetAsync(id) ?? throw new InvalidOperationException(id);
        var tokens = record.Tokens! with { AccessToken = new Tokenkeeper.Tokens.AccessToken("at-" + id), IssuedAt = expiresAt.AddHours(-1), ExpiresAt = expiresAt };
        var result = await store.CommitAsync(new ConnectionCommit(record with { Tokens = tokens }, record.Version));
        Assert.True(result.Succeeded, $"the test could not write {id}: {result.Conflict}");
    }

    private async Task<string> RunAsync(string command, int? columns)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RepoPaths.Output("src/Tokenkeeper.Cli", "Tokenkeeper.Cli.dll"));
        foreach (var argument in command.Split(' ').Concat(["--store", StorePath]))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TOKENKEEPER_KEY"] = _key;
        start.Environment.Remove("NO_COLOR");
        start.Environment["TERM"] = "xterm-256color";
        start.Environment["COLORTERM"] = "truecolor";
        if (columns is { } width)
        {
            start.Environment["COLUMNS"] = width.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            start.Environment.Remove("COLUMNS");
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(process.ExitCode == 0, await stdout + await stderr);
        return await stdout;
    }
}
