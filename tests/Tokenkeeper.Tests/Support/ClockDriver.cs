
namespace Tokenkeeper.Tests.Support;

/// <summary>Runs work to completion on a fake clock, without sleeps: whenever the work waits on time (a retry delay, a lease
/// poll, a backoff), the clock jumps to the next due timer; otherwise the thread yields so the work can progress.</summary>
internal static class ClockDriver
{
    /// <summary>The furthest the clock moves in one jump: 12 hours. Retry delays, lease polls and backoffs are shorter; a 1-day
    /// request timeout is not, so a request that is merely slow on a loaded machine is never timed out by the driver mistaking it
    /// for work waiting on time.</summary>
    public static readonly TimeSpan MaxJump = TimeSpan.FromHours(12);

    /// <summary>Looks in a row that find nothing queued before the clock jumps: 50.</summary>
    public const int IdleChecks = 50;

    /// <summary>How long, in real time, the driver waits for a task before failing the test: 2 minutes.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    /// <summary>Runs <paramref name="task"/> to completion on <paramref name="clock"/>.</summary>
    public static async Task<T> DriveAsync<T>(ManualTimeProvider clock, Task<T> task, int maxJumps = 10_000)
    {
        var jumps = 0;
        var idle = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (!task.IsCompleted)
        {
            Assert.True(started.Elapsed < Limit, "the task did not complete");
            // Jump only when the work is waiting on time: a timer is due, and no continuation is queued to run (the thread pool's
            // queue is empty) across IdleChecks looks in a row. Queued work anywhere in the process holds the jump back.
            if (ThreadPool.PendingWorkItemCount > 0)
            {
                idle = 0;
            }

            if (clock.NextDueTime() is { } due && due - clock.GetUtcNow() <= MaxJump && ++idle > IdleChecks)
            {
                clock.SetUtcNow(due > clock.GetUtcNow() ? due : clock.GetUtcNow());
                idle = 0;
                Assert.True(++jumps < maxJumps, "the task did not complete");
            }
            else
            {
                await Task.Yield();
                Thread.Yield();
            }
        }

        return await task;
    }

    /// <summary>Runs <paramref name="task"/> to completion on <paramref name="clock"/>.</summary>
    public static Task DriveAsync(ManualTimeProvider clock, Task task) =>
        DriveAsync(clock, task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default));
}
