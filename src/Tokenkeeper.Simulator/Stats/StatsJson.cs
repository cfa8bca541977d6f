using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>Writes <see cref="SimulatorStats"/> as the snake_case JSON of <c>GET /sim/stats</c>.</summary>
internal static class StatsJson
{
    public static byte[] Body(SimulatorStats stats) => JsonBody.Build(stats, static (w, s) =>
    {
        w.WriteStartObject();
        Counts(w, "tokens_issued", s.TokensIssued);
        w.WriteNumber("token_requests", s.TokenRequests);
        w.WriteNumber("api_requests", s.ApiRequests);
        w.WriteNumber("refreshes_served", s.RefreshesServed);
        w.WriteNumber("refresh_token_reuse_attempts", s.RefreshTokenReuseAttempts);
        w.WriteNumber("reuse_within_grace", s.ReuseWithinGrace);
        w.WriteNumber("spent_refresh_tokens_presented", s.SpentRefreshTokensPresented);
        w.WriteNumber("token_responses_held", s.TokenResponsesHeld);
        w.WriteNumber("grants_created", s.GrantsCreated);
        w.WriteNumber("grants_revoked", s.GrantsRevoked);
        w.WriteNumber("invalid_grant_served", s.InvalidGrantServed);
        w.WriteNumber("unauthorized_served", s.UnauthorizedServed);
        w.WriteNumber("forbidden_served", s.ForbiddenServed);
        w.WriteNumber("rate_limited_served", s.RateLimitedServed);
        w.WriteNumber("tokens_revoked_randomly", s.TokensRevokedRandomly);
        Counts(w, "faults_injected", s.FaultsInjected);
        Counts(w, "api_faults_injected", s.ApiFaultsInjected);
        w.WriteNumber("contacts_received", s.ContactsReceived);
        w.WriteNumber("contacts_stored_distinct", s.ContactsStoredDistinct);
        w.WriteNumber("duplicate_writes_absorbed", s.DuplicateWritesAbsorbed);
        w.WriteNumber("idempotency_conflicts", s.IdempotencyConflicts);
        w.WriteNumber("batches_stored", s.BatchesStored);
        w.WriteNumber("internal_errors", s.InternalErrors);
        w.WriteEndObject();
    });

    private static void Counts(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, long> counts)
    {
        w.WriteStartObject(name);
        foreach (var (key, value) in counts)
        {
            w.WriteNumber(key, value);
        }

        w.WriteNumber("total", counts.Values.Sum());
        w.WriteEndObject();
    }
}
