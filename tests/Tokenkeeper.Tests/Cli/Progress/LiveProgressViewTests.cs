using System.Text.RegularExpressions;
using Spectre.Console;
using Tokenkeeper.Cli.Progress;
using Tokenkeeper.Sync;

namespace Tokenkeeper.Tests.Cli.Progress;

/// <summary>The live bar as a terminal of a given width shows it: Spectre.Console renders into a fake interactive ANSI
/// terminal, and the last frame is read back without its escape codes.</summary>
public sealed partial class LiveProgressViewTests
{
    // The demo at full scale, near the end: five-digit counts and rates, three-digit batches, two-digit refreshes and retries.
    private static readonly ProgressSnapshot Busy = new(
        new SyncProgress("contacts-demo", 1, 49_380, 49_380, 99, 0, 0, 7, 50_000),
        TokenRefreshes: 12,
        AuthReplays: 3,
        Retries: 30,
        Elapsed: TimeSpan.FromSeconds(4));

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(120)]
    [InlineData(130)]
    [InlineData(160)]
    [InlineData(200)]
    public async Task TheBar_FitsOnOneLine_WithRecordsPerSecondBatchesRefreshesAndRetries(int width)
    {
        var frame = await RenderAsync(width, Busy);

        Assert.True(frame.Length <= width, $"{frame.Length} columns: '{frame}'");
        Assert.Contains("49,380", frame, StringComparison.Ordinal);
        Assert.Matches(@"12,345( records)?/s", frame);
        Assert.Contains("99 batches", frame, StringComparison.Ordinal);
        Assert.Matches(@"\b12 (token )?refreshes", frame);
        Assert.Contains("30 retries", frame, StringComparison.Ordinal);
        Assert.Contains("98%", frame, StringComparison.Ordinal);
        Assert.Contains("━", frame, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    [InlineData(200)]
    public async Task TheBar_ShowsReplaysAndTheElapsedTime_WhereverThereIsRoom(int width)
    {
        var frame = await RenderAsync(width, Busy);

        Assert.Equal(width >= 120, frame.Contains("3 replays", StringComparison.Ordinal));
        Assert.Equal(width >= 120, frame.Contains("00:00:", StringComparison.Ordinal));
        Assert.Equal(width >= 200, frame.Contains("contacts-demo", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryWording_NamesTheFourCounters_AndTheShortestFitsWhenNothingElseDoes()
    {
        string? previous = null;
        for (var columns = 200; columns >= 0; columns--)
        {
            var text = ProgressText.Live(Busy, columns).ToString();
            Assert.Equal(text.Length, ProgressText.Live(Busy, columns).Length);
            Assert.Matches(@"12,345( records)?/s", text);
            Assert.Matches(@"\b99 bat", text);
            Assert.Matches(@"\b12 (token )?refr", text);
            Assert.Matches(@"\b30 retr", text);
            Assert.True(text.Length <= columns || text == ProgressText.Live(Busy, 0).ToString(), $"{columns} columns: '{text}'");
            Assert.True(previous is null || text.Length <= previous.Length, $"{columns} columns: '{text}' is longer than '{previous}'");
            previous = text;
        }
    }

    private static async Task<string> RenderAsync(int width, ProgressSnapshot snapshot)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = width;
        console.Profile.Capabilities.Unicode = true;

        await new LiveProgressView(console, TimeProvider.System).ShowAsync(() => snapshot, Task.CompletedTask);

        // The last frame of the live display: what stays on the screen.
        var lines = EscapeCodes().Replace(output.ToString(), "").Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        return lines[^1].TrimEnd();
    }

    [GeneratedRegex("\u001b\\[[0-9;?]*[A-Za-z]")]
    private static partial Regex EscapeCodes();
}
