namespace Tokenkeeper.Simulator;

/// <summary>The operations behind <c>/sim/…</c>, shared by the HTTP endpoints and <see cref="SimulatorServer"/>.</summary>
internal sealed class SimulatorAdmin(SimulatorRuntime runtime, TokenIssuer issuer)
{
    private readonly Lock _dialsGate = new();

    public SimulatorRuntime Runtime => runtime;

    public SimulatorStats Stats() => runtime.Stats.Snapshot(runtime.State.StoredContacts.Count);

    /// <summary>Starts a grant as if the user had approved <paramref name="clientId"/> for <paramref name="scope"/>.</summary>
    public (IssuedTokens? Tokens, OAuthError? Error) CreateGrant(string? clientId, string? user, string? scope)
    {
        var client = runtime.Clients.Find(clientId);
        if (client is null)
        {
            return (null, OAuthError.InvalidClient(clientId is null ? "client_id is required" : $"unknown client '{clientId}'", basicTried: false));
        }

        var requested = Scopes.Parse(scope);
        if (!Scopes.IsSubset(requested, client.Scopes))
        {
            return (null, OAuthError.InvalidScope($"requested scope '{Scopes.Join(requested)}' exceeds the allowed scope '{Scopes.Join(client.Scopes)}'"));
        }

        var grant = issuer.CreateGrant(client, string.IsNullOrEmpty(user) ? runtime.Clients.TestUser : user, requested.Length == 0 ? client.Scopes : requested);
        var tokens = AuthorizationCodeGrant.IssueFirstTokens(issuer, grant, IssuedBy.SimGrant, runtime.Clock.UtcNow, includeGrantId: true);
        SimulatorLog.TokenIssued(runtime.Logger, "sim_grant", client.ClientId, grant.Id, Fingerprint.Of(tokens.AccessToken), Fingerprint.Of(tokens.RefreshToken), "-");
        return (tokens, null);
    }

    /// <summary>Revokes a grant; false if there is no grant with that id.</summary>
    /// <summary>Records a person's decision on the pending device authorization with <paramref name="userCode"/>; false when
    /// there is none.</summary>
    public bool DecideDevice(string userCode, bool approve, string? user = null)
    {
        var device = runtime.State.DeviceCodes.Values.FirstOrDefault(d => d.UserCode == userCode && !d.Redeemed);
        if (device is null)
        {
            return false;
        }

        lock (device.Gate)
        {
            device.ApprovedFor = approve ? user ?? runtime.Options.TestUser : null;
            device.Denied = !approve;
        }

        return true;
    }

    public bool RevokeGrant(string grantId)
    {
        if (!runtime.State.Grants.TryGetValue(grantId, out var grant))
        {
            return false;
        }

        if (grant.Revoke(GrantRevocationReasons.RevokedBySimulator))
        {
            Interlocked.Increment(ref runtime.Stats.GrantsRevoked);
            SimulatorLog.GrantRevoked(runtime.Logger, grant.Id, GrantRevocationReasons.RevokedBySimulator);
        }

        return true;
    }

    public void Reset()
    {
        runtime.Reset();
        SimulatorLog.StateReset(runtime.Logger);
    }

    /// <summary>Applies a partial dials object; the problem, or null when applied.</summary>
    public string? ApplyDials(System.Text.Json.JsonElement dials)
    {
        lock (_dialsGate)
        {
            var seed = runtime.Options.Seed;
            var problem = DialsJson.Apply(dials, runtime.Options);
            if (problem is null)
            {
                if (runtime.Options.Seed != seed)
                {
                    runtime.Random.Reseed(runtime.Options.Seed);
                }

                SimulatorLog.DialsChanged(runtime.Logger, dials.GetRawText());
            }

            return problem;
        }
    }
}
