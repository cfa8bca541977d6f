using System.Globalization;
using Microsoft.Data.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Sqlite;

/// <summary>The outbox half of <see cref="SqliteTokenStore"/>: events in <c>outbox</c>, per-sink delivery state in <c>outbox_deliveries</c>.</summary>
public sealed partial class SqliteTokenStore : IEventOutbox
{
    /// <inheritdoc />
    public async ValueTask EnqueueAsync(IReadOnlyList<ConnectionEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        await WithConnectionAsync(async (connection, cancellationToken) =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await EnqueueAsync(connection, events, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(string sink, DateTimeOffset now, int max, TimeSpan claimFor, CancellationToken cancellationToken = default)
    {
        return await WithConnectionAsync<IReadOnlyList<PendingDelivery>>(async (connection, cancellationToken) =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var due = new List<(long Sequence, string Payload, int Attempts)>();
            await using (var select = connection.CreateCommand())
            {
                select.CommandText = """
                    SELECT o.seq, o.payload, COALESCE(d.attempts, 0)
                    FROM outbox o LEFT JOIN outbox_deliveries d ON d.seq = o.seq AND d.sink = $sink
                    WHERE d.seq IS NULL OR (d.delivered_at IS NULL AND d.dead_lettered_at IS NULL AND d.next_attempt_at <= $now)
                    ORDER BY o.seq
                    LIMIT $max
                    """;
                select.Parameters.AddWithValue("$sink", sink);
                select.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                select.Parameters.AddWithValue("$max", max);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    due.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2)));
                }
            }

            var claimed = new List<PendingDelivery>(due.Count);
            await using (var claim = connection.CreateCommand())
            {
                claim.CommandText = """
                    INSERT INTO outbox_deliveries (seq, sink, attempts, next_attempt_at) VALUES ($seq, $sink, 1, $until)
                    ON CONFLICT (seq, sink) DO UPDATE SET attempts = attempts + 1, next_attempt_at = excluded.next_attempt_at
                    """;
                var sequence = claim.Parameters.Add("$seq", SqliteType.Integer);
                claim.Parameters.AddWithValue("$sink", sink);
                claim.Parameters.AddWithValue("$until", (now + claimFor).ToUnixTimeMilliseconds());
                foreach (var (seq, payload, attempts) in due)
                {
                    sequence.Value = seq;
                    await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    claimed.Add(new PendingDelivery(seq, sink, ConnectionRecordSerializer.DeserializeEvent(payload), attempts + 1));
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return claimed;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask CompleteDeliveryAsync(long sequence, string sink, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await WithConnectionAsync(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO outbox_deliveries (seq, sink, attempts, delivered_at) VALUES ($seq, $sink, 1, $at)
                ON CONFLICT (seq, sink) DO UPDATE SET delivered_at = excluded.delivered_at, last_error = NULL
                """;
            command.Parameters.AddWithValue("$seq", sequence);
            command.Parameters.AddWithValue("$sink", sink);
            command.Parameters.AddWithValue("$at", Timestamp(at));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask FailDeliveryAsync(long sequence, string sink, string error, DateTimeOffset? retryAt, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await WithConnectionAsync(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = retryAt is null
                ? """
                  INSERT INTO outbox_deliveries (seq, sink, attempts, dead_lettered_at, last_error) VALUES ($seq, $sink, 1, $at, $error)
                  ON CONFLICT (seq, sink) DO UPDATE SET dead_lettered_at = excluded.dead_lettered_at, last_error = excluded.last_error
                  """
                : """
                  INSERT INTO outbox_deliveries (seq, sink, attempts, next_attempt_at, last_error) VALUES ($seq, $sink, 1, $retry, $error)
                  ON CONFLICT (seq, sink) DO UPDATE SET next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error
                  """;
            command.Parameters.AddWithValue("$seq", sequence);
            command.Parameters.AddWithValue("$sink", sink);
            command.Parameters.AddWithValue("$at", Timestamp(at));
            command.Parameters.AddWithValue("$retry", retryAt?.ToUnixTimeMilliseconds() ?? 0);
            command.Parameters.AddWithValue("$error", error.Length > 500 ? error[..500] : error);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<OutboxEntry>> ReadAsync(string? connectionId = null, int max = 1000, CancellationToken cancellationToken = default)
    {
        return await WithConnectionAsync<IReadOnlyList<OutboxEntry>>(async (connection, cancellationToken) =>
        {
            var events = new List<(long Sequence, ConnectionEvent Event)>();
            await using (var select = connection.CreateCommand())
            {
                select.CommandText = """
                    SELECT seq, payload FROM (
                        SELECT seq, payload FROM outbox WHERE $connection IS NULL OR connection_id = $connection ORDER BY seq DESC LIMIT $max
                    ) ORDER BY seq
                    """;
                select.Parameters.AddWithValue("$connection", (object?)connectionId ?? DBNull.Value);
                select.Parameters.AddWithValue("$max", max);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    events.Add((reader.GetInt64(0), ConnectionRecordSerializer.DeserializeEvent(reader.GetString(1))));
                }
            }

            if (events.Count == 0)
            {
                return [];
            }

            var deliveries = new Dictionary<long, List<DeliveryState>>();
            await using (var select = connection.CreateCommand())
            {
                select.CommandText = "SELECT seq, sink, attempts, delivered_at, dead_lettered_at, last_error FROM outbox_deliveries WHERE seq >= $first AND seq <= $last";
                select.Parameters.AddWithValue("$first", events[0].Sequence);
                select.Parameters.AddWithValue("$last", events[^1].Sequence);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var state = new DeliveryState(
                        reader.GetString(1),
                        reader.GetInt32(2),
                        reader.IsDBNull(3) ? null : DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture),
                        reader.IsDBNull(4) ? null : DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture),
                        reader.IsDBNull(5) ? null : reader.GetString(5));
                    (deliveries.TryGetValue(reader.GetInt64(0), out var list) ? list : deliveries[reader.GetInt64(0)] = []).Add(state);
                }
            }

            return [.. events.Select(e => new OutboxEntry(e.Sequence, e.Event, deliveries.GetValueOrDefault(e.Sequence) ?? []))];
        }, cancellationToken).ConfigureAwait(false);
    }
}
