namespace Tokenkeeper.Sync;

/// <summary>Every default number of the sync engine and its job file, in one place.</summary>
internal static class SyncConstants
{
    /// <summary>Records asked of the source per page (sent as the <c>limitParam</c>): 500.</summary>
    public const int DefaultPageSize = 500;

    /// <summary>Records per destination batch: 500.</summary>
    public const int DefaultBatchSize = 500;

    /// <summary>The largest page size or batch size a job file may ask for: 10,000.</summary>
    public const int MaxPageOrBatchSize = 10_000;

    /// <summary>Where a page keeps its records unless the job file says otherwise: <c>items</c>.</summary>
    public const string DefaultItemsField = "items";

    /// <summary>The longest job id: 128 characters (it is part of every <c>Idempotency-Key</c>, which providers cap at about 255).</summary>
    public const int MaxJobIdLength = 128;

    /// <summary>The longest connection name in a job file: 128 characters.</summary>
    public const int MaxConnectionNameLength = 128;

    /// <summary>Attempts the engine makes at one step (read a page, write a batch, commit a checkpoint), the first included,
    /// on top of the HTTP handler's own retries: 5.</summary>
    public const int DefaultMaxStepAttempts = 5;

    /// <summary>The engine's first wait before retrying a step (exponential, jittered): 1 second.</summary>
    public static readonly TimeSpan DefaultStepRetryBaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>The engine's longest computed wait between attempts at a step: 30 seconds.</summary>
    public static readonly TimeSpan DefaultStepRetryMaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>The longest the engine waits for a connection that says when it may retry (<c>RetryNotBefore</c>, rate limits):
    /// 2 minutes. A longer wait fails the job now, checkpoint kept.</summary>
    public static readonly TimeSpan DefaultMaxRetryNotBeforeWait = TimeSpan.FromMinutes(2);

    /// <summary>Timeout of one HTTP request to the source or destination, handler retries included: 100 seconds.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(100);

    /// <summary>The largest source page read: 64 MiB.</summary>
    public const int MaxPageBytes = 64 * 1024 * 1024;

    /// <summary>How much of an unexpected response body an error message quotes: 300 characters.</summary>
    public const int ErrorBodyExcerptLength = 300;

    /// <summary>The version of the checkpoint payload this engine writes: 1.</summary>
    public const int CheckpointSchemaVersion = 1;

    /// <summary>Hex characters of a job's lineage, the random id its first checkpoint in a store is born with and every
    /// <c>Idempotency-Key</c> carries (so a job run against a new store never reuses an old store's keys): 12 (48 bits).</summary>
    public const int LineageLength = 12;

    /// <summary>The response header by which a destination says it answered a batch as a replay of an earlier request with the same
    /// <c>Idempotency-Key</c> (nothing new stored): <c>Idempotent-Replayed</c>, as Stripe and the simulator send it.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>The file name a job file's store defaults to, next to the job file: <c>tokenkeeper.db</c>.</summary>
    public const string DefaultStoreFileName = "tokenkeeper.db";
}
