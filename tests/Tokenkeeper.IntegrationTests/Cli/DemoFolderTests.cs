using System.Diagnostics;
using SyncCliProcess = Tokenkeeper.IntegrationTests.Sync.CliProcess;
using SyncCliResult = Tokenkeeper.IntegrationTests.Sync.CliResult;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>The demo keeps its store in a folder of the user's own, and never deletes a store it did not create (issue 13,
/// item 7), over the real <c>tokenkeeper demo</c> process.</summary>
public sealed class DemoFolderTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("tk-demo-home-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task Without_dir_the_demo_keeps_its_store_under_the_users_own_data_folder_and_replaces_it_on_the_next_run()
    {
        var first = await RunDemoAsync();
        var second = await RunDemoAsync();

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        var folder = Path.Combine(_home, ".local", "share", "tokenkeeper", "demo");
        Assert.True(File.Exists(Path.Combine(folder, "demo.db")), $"no store in {folder}");
        Assert.True(File.Exists(Path.Combine(folder, "demo.key")), $"no key in {folder}");
    }

    [Fact]
    public async Task A_store_the_demo_did_not_create_stops_the_demo_and_is_left_untouched()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_home, "work")).FullName;
        var store = Path.Combine(folder, "demo.db");
        await File.WriteAllTextAsync(store, "somebody's data");

        var result = await RunDemoAsync("--dir", folder);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{store} is a store the demo did not create", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--dir", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("somebody's data", await File.ReadAllTextAsync(store));
    }

    private async Task<SyncCliResult> RunDemoAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _home };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Tokenkeeper.Cli.dll"));
        foreach (var argument in new[] { "demo", "--contacts", "200", "--fault-rate", "0", "--json" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = _home;
        start.Environment.Remove("XDG_DATA_HOME");
        start.Environment.Remove("TOKENKEEPER_KEY");
        start.Environment.Remove("TOKENKEEPER_KEY_FILE");
        using var process = new SyncCliProcess(Process.Start(start)!);
        return await process.WaitAsync();
    }
}
