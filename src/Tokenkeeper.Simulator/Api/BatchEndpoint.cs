using System.Security.Cryptography;

namespace Tokenkeeper.Simulator;

/// <summary>
/// <c>POST /api/contacts/batch</c> (scope <c>contacts:write</c>): stores 1-500 contacts and answers
/// <c>{"accepted":n,"batch_id":"b-…"}</c>. With an <c>Idempotency-Key</c> (scoped per client), the same key and the
/// same canonical body get the first response again and store nothing twice; the same key with another body is 422.
/// </summary>
internal sealed class BatchEndpoint(SimulatorRuntime runtime, BearerAuthenticator bearer, FaultInjector faults)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public async Task InvokeAsync(HttpContext context)
    {
        Interlocked.Increment(ref runtime.Stats.ApiRequests);
        var options = runtime.Options;
        if (!await faults.BeforeAsync(context, options.ApiFaultRate, options.ApiFaults, runtime.ApiFaults, api: true))
        {
            return;
        }

        var token = await bearer.AuthenticateAsync(context, ApiScopes.Write);
        if (token is null)
        {
            return;
        }

        var body = await BodyReader.ReadAsync(context, SimulatorDefaults.BatchMaxBodyBytes);
        if (body is null)
        {
            await Responses.ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "request_too_large",
                $"the body exceeds {SimulatorDefaults.BatchMaxBodyBytes} bytes");
            return;
        }

        var batch = BatchParser.Parse(body);
        if (batch.Problem is { } problem)
        {
            await Responses.ErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request", problem);
            return;
        }

        var keys = context.Request.Headers[IdempotencyKeyHeader];
        if (keys.Count > 1 || (keys.Count == 1 && keys[0]!.Length is 0 or > SimulatorDefaults.IdempotencyKeyMaxLength))
        {
            await Responses.ErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request",
                $"{IdempotencyKeyHeader} must be one value of 1 to {SimulatorDefaults.IdempotencyKeyMaxLength} characters");
            return;
        }

        if (keys.Count == 0)
        {
            var stored = Store(batch);
            await Responses.WriteJsonAsync(context, stored.StatusCode, stored.Body);
            return;
        }

        await IdempotentAsync(context, token.Client.ClientId + "\n" + keys[0], batch);
    }

    private async Task IdempotentAsync(HttpContext context, string key, BatchParseResult batch)
    {
        var state = runtime.State;
        var entry = new IdempotencyEntry(CanonicalJson.Hash(batch.Records));
        var existing = state.Idempotency.GetOrAdd(key, entry);
        if (existing != entry)
        {
            if (!CryptographicOperations.FixedTimeEquals(existing.BodyHash, entry.BodyHash))
            {
                Interlocked.Increment(ref state.Stats.IdempotencyConflicts);
                await Responses.ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused",
                    $"{IdempotencyKeyHeader} was already used with a different body");
                return;
            }

            var first = await existing.Response.WaitAsync(context.RequestAborted);
            Interlocked.Increment(ref state.Stats.DuplicateWritesAbsorbed);
            context.Response.Headers[ReplayedHeader] = "true";
            await Responses.WriteJsonAsync(context, first.StatusCode, first.Body);
            return;
        }

        StoredResponse response;
        try
        {
            response = Store(batch);
        }
        catch (Exception e)
        {
            state.Idempotency.TryRemove(key, out _);
            entry.Fail(e);
            throw;
        }

        entry.Complete(response);
        await Responses.WriteJsonAsync(context, response.StatusCode, response.Body);
    }

    private StoredResponse Store(BatchParseResult batch)
    {
        var state = runtime.State;
        var index = 0;
        foreach (var record in batch.Records.EnumerateArray())
        {
            state.StoredContacts[batch.Ids[index++]] = record.GetRawText();
        }

        Interlocked.Add(ref state.Stats.ContactsReceived, batch.Ids.Length);
        Interlocked.Increment(ref state.Stats.BatchesStored);
        var body = JsonBody.Build((accepted: batch.Ids.Length, batchId: state.NextBatchId()), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteNumber("accepted", s.accepted);
            w.WriteString("batch_id", s.batchId);
            w.WriteEndObject();
        });
        return new StoredResponse(StatusCodes.Status200OK, body);
    }
}
