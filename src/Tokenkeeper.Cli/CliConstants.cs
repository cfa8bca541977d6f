namespace Tokenkeeper.Cli;

/// <summary>Every default number of the <c>sync</c> and <c>demo</c> commands, in one place.</summary>
internal static class CliConstants
{
    /// <summary>The command's name as installed (<c>ToolCommandName</c> in the project file) and as shown in usage lines.</summary>
    public const string ToolName = "tokenkeeper";

    /// <summary>How long <c>connections remove</c> holds a connection's refresh lease while it revokes the grant: 2 minutes, more
    /// than a revocation request takes.</summary>
    public static readonly TimeSpan RemoveLeaseDuration = TimeSpan.FromMinutes(2);

    /// <summary>How often <c>lifecycle run</c> and <c>sync</c> export metrics over OTLP when <c>OTEL_METRIC_EXPORT_INTERVAL</c>
    /// does not say: 15 seconds (the SDK's own default, 60 s, is long for a service watched on a dashboard). The last
    /// measurements are exported at exit whatever the interval.</summary>
    public static readonly TimeSpan OtlpMetricExportInterval = TimeSpan.FromSeconds(15);

    /// <summary>The most a command waits at exit for its last spans and metrics to reach the OTLP collector: 3 seconds. A
    /// collector that is down or slow costs the exit no more than this; what it did not take is dropped.</summary>
    public static readonly TimeSpan OtlpShutdownTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long the loopback redirect listener waits for a connection's request before dropping it (a silent local
    /// socket, a browser's idle preconnect): 5 seconds.</summary>
    public static readonly TimeSpan RedirectReadTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The most of a browser's request head the loopback redirect listener reads: 16 KiB.</summary>
    public const int MaxRedirectRequestBytes = 16 * 1024;

    /// <summary>How often the live progress bar is redrawn: 200 ms.</summary>
    public static readonly TimeSpan LiveProgressInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>How often a progress line is printed when the output is not a terminal: 2 seconds.</summary>
    public static readonly TimeSpan PlainProgressInterval = TimeSpan.FromSeconds(2);

    /// <summary>Width of the live progress bar, in columns: 24.</summary>
    public const int ProgressBarWidth = 24;

    /// <summary>Width of the live progress bar on a terminal narrower than <see cref="WideTerminalColumns"/>: 10 columns.</summary>
    public const int NarrowProgressBarWidth = 10;

    /// <summary>Terminals at least this wide get the full-width progress bar (<see cref="ProgressBarWidth"/>): 130 columns.
    /// Narrower ones get a shorter bar and, when needed, shorter wordings, never fewer of the counters.</summary>
    public const int WideTerminalColumns = 130;

    /// <summary>Terminals at least this wide show the elapsed time on the live progress bar: 100 columns. Narrower ones leave
    /// it out to keep the counters (the summary at the end says how long the run took).</summary>
    public const int ElapsedTimeTerminalColumns = 100;

    /// <summary>Width of tables and panels when the output is not a terminal: 100 columns.</summary>
    public const int PlainOutputWidth = 100;

    /// <summary>The narrowest <c>COLUMNS</c> value honoured: 20 (a smaller one is taken as a mistake and ignored).</summary>
    public const int MinColumns = 20;

    /// <summary>Days the lifecycle demo simulates: 180.</summary>
    public const int LifecycleDemoDays = 180;

    /// <summary>The most days the lifecycle demo simulates: 3,650 (ten years).</summary>
    public const int MaxLifecycleDemoDays = 3650;

    /// <summary>Contacts the demo transfers: 50,000 (the first user story's job).</summary>
    public const int DemoContacts = 50_000;

    /// <summary>The demo's access-token lifetime: 5 seconds, so the default run (about 15 s) spans three token lifetimes and
    /// each connection refreshes several times while faults are injected.</summary>
    public static readonly TimeSpan DemoAccessTtl = TimeSpan.FromSeconds(5);

    /// <summary>The demo's fault rate on the token endpoint and on the API: 2%.</summary>
    public const double DemoFaultRate = 0.02;

    /// <summary>The demo's random access-token revocation rate on API calls, as a share of the fault rate: half (1% by default).</summary>
    public const double DemoRevokeShareOfFaultRate = 0.5;

    /// <summary>
    /// The demo provider's refresh-token reuse interval (Okta/Auth0 "reuse interval"): 30 seconds. Refresh tokens are single-use
    /// with reuse detection, and the token endpoint drops responses after rotating (<c>drop-after</c>); a lost rotation can only
    /// be recovered if the provider tolerates an immediate retry with the previous token, as these providers do within the interval.
    /// </summary>
    public static readonly TimeSpan DemoReuseInterval = TimeSpan.FromSeconds(30);

    /// <summary>The faults the demo injects on the token endpoint and on the API, chosen uniformly on each hit.</summary>
    public static readonly IReadOnlyList<string> DemoFaults = ["503", "429", "drop-after"];

    /// <summary>Seed of the demo simulator's dice, so two demos inject the same faults in the same order of requests: 1.</summary>
    public const int DemoSeed = 1;

    /// <summary>Records per destination batch in the demo: 500 (the user story's batches).</summary>
    public const int DemoBatchSize = 500;

    /// <summary>Records per source page in the demo: 100, the legacy CRM's page limit (so each batch spans five pages).</summary>
    public const int DemoPageSize = 100;

    /// <summary>The demo's job id.</summary>
    public const string DemoJobId = "contacts-demo";

    /// <summary>The start of the demo's folder name under the temp folder, used only when the user has no local application data
    /// folder (the default is <c>~/.local/share/tokenkeeper/demo</c>; see <see cref="Demo.DemoFolder"/>).</summary>
    public const string DemoDirectoryName = "tokenkeeper-demo";
}
