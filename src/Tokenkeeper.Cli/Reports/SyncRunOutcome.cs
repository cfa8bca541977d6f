using Tokenkeeper.Sync;

namespace Tokenkeeper.Cli.Reports;

/// <summary>How a sync run ended: the engine's result, the report built from it, and the exit code it stands for.</summary>
internal sealed record SyncRunOutcome(SyncResult Result, SyncReport Report, int ExitCode);
