using Microsoft.Extensions.Logging;

namespace Tokenkeeper.Sync.Running;

/// <summary>
/// Runs one step of the job, retrying what can pass — transient HTTP failures that outlasted the handler's own retries, a
/// token endpoint that is down for now, a 401 that survived the handler's replay — with jittered exponential backoff on the
/// injected clock. A step that fails for good throws <see cref="SyncFailedException"/>.
/// </summary>
internal sealed class StepRetrier(SyncOptions options, TimeProvider time, Func<double> jitter, ILogger logger, string jobId)
{
    private long _retries;

    /// <summary>Retries made so far.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Runs <paramref name="action"/>, retrying what can pass.</summary>
    /// <param name="step">The step, for messages.</param>
    /// <param name="action">The step.</param>
    /// <param name="cancellationToken">Cancels the step, even an attempt in progress.</param>
    /// <param name="giveUp">Lets an attempt in progress finish but starts no further one (a stop was asked: a batch is sent again
    /// under the same key when the job resumes). Throws <see cref="OperationCanceledException"/> instead of retrying.</param>
    public async Task<T> RunAsync<T>(string step, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken, CancellationToken giveUp = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            SyncStepException failure;
            try
            {
                return await action(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is not SyncFailedException)
            {
                failure = FailureClassifier.Classify(ex, step);
            }

            if (!failure.Retryable || attempt >= options.MaxStepAttempts)
            {
                throw new SyncFailedException(
                    failure.Retryable ? failure.Failure with { Message = $"{failure.Failure.Message} (gave up after {attempt} attempts)" } : failure.Failure,
                    failure);
            }

            var delay = Delay(attempt, failure.RetryNotBefore);
            if (delay is null)
            {
                throw new SyncFailedException(failure.Failure with { Message = $"{failure.Failure.Message} (the connection asks to wait past {failure.RetryNotBefore:O}, longer than this run waits)" }, failure);
            }

            giveUp.ThrowIfCancellationRequested();
            Interlocked.Increment(ref _retries);
            SyncLog.StepRetry(logger, jobId, step, failure.Message, attempt + 1, options.MaxStepAttempts, delay.Value.TotalMilliseconds);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, giveUp);
            await Task.Delay(delay.Value, time, wait.Token).ConfigureAwait(false);
        }
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1; null when the failure asks for more than we wait.</summary>
    private TimeSpan? Delay(int attempt, DateTimeOffset? retryNotBefore)
    {
        var exponential = options.StepRetryBaseDelay * Math.Pow(2, attempt - 1);
        var capped = exponential > options.StepRetryMaxDelay ? options.StepRetryMaxDelay : exponential;
        var delay = capped * (0.5 + (jitter() / 2));
        if (retryNotBefore is { } notBefore)
        {
            var asked = notBefore - time.GetUtcNow();
            if (asked > options.MaxRetryNotBeforeWait)
            {
                return null;
            }

            if (asked > delay)
            {
                delay = asked;
            }
        }

        return delay;
    }
}
