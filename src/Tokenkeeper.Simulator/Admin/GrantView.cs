using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>Writes a grant for <c>GET /sim/grants</c>: never a token value.</summary>
internal static class GrantView
{
    public static string Status(Grant grant, SimulatorOptions options, DateTimeOffset now)
    {
        if (grant.IsRevoked)
        {
            return "revoked";
        }

        if (grant.AbsoluteDeadline(options) is { } deadline && now >= deadline)
        {
            return "expired";
        }

        if (options.RefreshIdleTtl is { } idle && grant.Live.Count > 0 && grant.Live.TrueForAll(r => now >= r.LastUsedAt + idle))
        {
            return "expired";
        }

        return "active";
    }

    public static void Write(Utf8JsonWriter w, Grant grant, SimulatorRuntime runtime, DateTimeOffset now)
    {
        var clock = runtime.Clock;
        lock (grant.Gate)
        {
            w.WriteStartObject();
            w.WriteString("id", grant.Id);
            w.WriteString("client_id", grant.Client.ClientId);
            w.WriteString("user", grant.User);
            w.WriteString("scope", grant.Scope);
            w.WriteString("status", Status(grant, runtime.Options, now));
            if (grant.RevokedReason is { } reason)
            {
                w.WriteString("revoked_reason", reason);
            }

            w.WriteTime("created_at", clock.Shown(grant.CreatedAt));
            w.WriteTime("last_used_at", clock.Shown(grant.LastUsedAt));
            w.WriteNumber("refresh_generation", grant.Generation);
            w.WriteNumber("live_refresh_tokens", grant.Live.Count);
            w.WriteNumber("spent_refresh_tokens_presented", grant.SpentRefreshTokensPresented);
            if (grant.AbsoluteDeadline(runtime.Options) is { } deadline)
            {
                w.WriteTime("refresh_expires_at", clock.Shown(deadline));
            }

            w.WriteEndObject();
        }
    }
}
