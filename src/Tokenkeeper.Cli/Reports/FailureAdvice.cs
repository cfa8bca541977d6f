using Tokenkeeper.Sync;

namespace Tokenkeeper.Cli.Reports;

/// <summary>Why a run stopped and what to do next, in words: which connection needs a person and how to resume.</summary>
internal static class FailureAdvice
{
    public static IReadOnlyList<string> For(SyncResult result, JobFile file, string rerun)
    {
        if (result.Failure is not { } failure)
        {
            return [];
        }

        var kept = result.Progress.Batches == 0
            ? "Nothing of this generation was checkpointed yet; a rerun starts it from the beginning."
            : $"The checkpoint is kept after batch {result.Progress.Batches:N0} ({result.Progress.RecordsWritten:N0} records): a rerun resumes there.";
        var lines = new List<string>();
        switch (failure.Kind)
        {
            case SyncFailureKind.ReconnectRequired:
                var origin = failure.ConnectionId is { } id && file.RefreshTokenOrigins.TryGetValue(id, out var where) ? where : $"$.connections.{failure.ConnectionId}.refreshToken";
                lines.Add($"Connection '{failure.ConnectionId}' needs re-authorisation ({failure.Reason}).");
                lines.Add(failure.Message);
                lines.Add(kept);
                lines.Add($"To resume: authorise the connection again, put its new refresh token in {origin}, and run `{rerun}`.");
                break;
            case SyncFailureKind.ConnectionDisabled:
                lines.Add($"Connection '{failure.ConnectionId}' is disabled by an operator.");
                lines.Add(failure.Message);
                lines.Add(kept);
                break;
            default:
                lines.Add($"The sync stopped ({Describe(failure.Kind)}).");
                lines.Add(failure.Message);
                lines.Add(kept);
                break;
        }

        return lines;
    }

    private static string Describe(SyncFailureKind kind) => kind switch
    {
        SyncFailureKind.Unavailable => "failed after retries",
        SyncFailureKind.Unreachable => "unreachable",
        SyncFailureKind.Rejected => "request refused",
        SyncFailureKind.BadPage => "unexpected page",
        SyncFailureKind.SourceChanged => "the source changed",
        SyncFailureKind.CheckpointConflict => "checkpoint moved by another run",
        SyncFailureKind.Cancelled => "cancelled",
        SyncFailureKind.StoreUnavailable => "the token store stayed unavailable",
        _ => kind.ToString(),
    };
}
