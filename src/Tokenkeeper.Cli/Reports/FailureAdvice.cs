using Tokenkeeper.Sync;

namespace Tokenkeeper.Cli.Reports;

/// <summary>Why a run stopped and what to do next, in words: which connection needs a person and how to resume.</summary>
internal static class FailureAdvice
{
    /// <param name="result">How the run ended.</param>
    /// <param name="file">The job file it ran.</param>
    /// <param name="rerun">The command that runs it again.</param>
    /// <param name="resumable">Whether <paramref name="rerun"/> resumes from the checkpoint (the demo starts over).</param>
    public static IReadOnlyList<string> For(SyncResult result, JobFile file, string rerun, bool resumable = true)
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
            case SyncFailureKind.Cancelled:
                // One line: where it stopped, and the command that resumes it.
                var progress = result.Progress;
                var stoppedAt = progress.Batches == 0
                    ? $"Stopped before the first batch of generation {progress.Generation} was written"
                    : $"Stopped after batch {progress.Batches:N0} of generation {progress.Generation} ({progress.RecordsWritten:N0} records written and checkpointed)";
                lines.Add(resumable ? $"{stoppedAt}. Resume with: {rerun}" : $"{stoppedAt}. `{rerun}` starts over.");
                break;
            case SyncFailureKind.ReconnectRequired:
                var origin = failure.ConnectionId is { } id && file.RefreshTokenOrigins.TryGetValue(id, out var where) ? where : $"$.connections.{failure.ConnectionId}.refreshToken";
                lines.Add($"Connection '{failure.ConnectionId}' needs re-authorisation ({failure.Reason}).");
                lines.Add(failure.Message);
                lines.Add(kept);
                lines.Add(failure.ConnectionId is { } stored && file.StoredConnections.ContainsKey(stored)
                    ? $"To resume: connect it again (tokenkeeper connect {stored} --store {file.StorePath}), and run `{rerun}`."
                    : $"To resume: authorise the connection again, put its new refresh token in {origin}, and run `{rerun}`.");
                break;
            case SyncFailureKind.Misconfigured:
                lines.AddRange(Misconfigured(failure, file, rerun));
                lines.Add(kept);
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

    /// <summary>A client or request the provider rejected: what to correct, where it comes from, and that the grant is fine.</summary>
    private static IEnumerable<string> Misconfigured(SyncFailure failure, JobFile file, string rerun)
    {
        var id = failure.ConnectionId ?? "?";
        var declared = file.Connections.FirstOrDefault(c => c.ConnectionId == id);
        var client = declared is null ? "its client" : $"client '{declared.Registration.ClientId}'";
        if (failure.Reason == Connections.StateReasons.InvalidClient)
        {
            var secret = declared is null ? $"its secret is kept in the store (tokenkeeper connections add); remove the connection and add it again with the corrected one (its grant is then connected again)"
                : file.ClientSecretOrigins.TryGetValue(id, out var where) ? $"its secret comes from {where}"
                : $"it has no client secret in {Path.GetFileName(file.Path)}";
            yield return $"Connection '{id}': the provider rejected {client} (invalid_client): a wrong or expired client secret, client id, signing key or client authentication method; {secret}.";
        }
        else
        {
            yield return $"Connection '{id}': the provider refused the token request of {client} ({failure.Reason}): a scope, resource or grant it does not accept for this client.";
        }

        yield return failure.Message;
        yield return $"To resume: correct the configuration and run `{rerun}`; the connection becomes Active again without consent.";
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
