using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>
/// The connections declared in code, and their registration in the store (once per connection and process, on first use): a
/// store that does not know a connection creates it; one that does keeps its live tokens and takes the registration's changes
/// and, where <see cref="RegistrationRules"/> allow it, a new bootstrap refresh token. Also where a connection's provider profile
/// comes from.
/// </summary>
/// <param name="store">The store.</param>
/// <param name="time">The clock.</param>
/// <param name="updater">Commits changes to stored records.</param>
/// <param name="logger">Where an ignored bootstrap token is reported.</param>
/// <param name="reset">Resets a connection's cached token (its registration or grant changed).</param>
/// <param name="stopping">Ends registrations in progress when the manager stops.</param>
internal sealed class ConnectionRegistry(ITokenStore store, TimeProvider time, RecordUpdater updater, ILogger logger, Action<string> reset, CancellationToken stopping)
{
    private readonly ConcurrentDictionary<string, ConnectionDefinition> _definitions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<RegistrationOutcome>>> _registrations = new(StringComparer.Ordinal);

    /// <summary>Declares a connection (checking its endpoints and provider); it is registered again on its next use.</summary>
    public void Define(ConnectionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrWhiteSpace(definition.ConnectionId);
        EndpointSecurity.EnsureAllowed(definition.Registration.TokenEndpoint, definition.Registration.AllowInsecureHttp);
        if (definition.Registration.IntrospectionEndpoint is { } introspection)
        {
            EndpointSecurity.EnsureAllowed(introspection, definition.Registration.AllowInsecureHttp, "introspection endpoint");
        }

        if (definition.Registration.RotationGrace is { } grace && grace < TimeSpan.Zero)
        {
            throw new TokenkeeperConfigurationException($"Connection '{definition.ConnectionId}': the rotation grace cannot be negative.");
        }

        if (definition.Profile is null && !ProviderProfiles.TryGet(definition.Registration.Provider, out _))
        {
            throw new TokenkeeperConfigurationException($"Connection '{definition.ConnectionId}': unknown provider '{definition.Registration.Provider}'. Known providers: {string.Join(", ", ProviderProfiles.All.Select(p => p.Name))}.");
        }

        _definitions[definition.ConnectionId] = definition;
        _registrations.TryRemove(definition.ConnectionId, out _);
    }

    /// <summary>The connection's declaration in code, if any.</summary>
    public bool TryGetDefinition(string connectionId, out ConnectionDefinition definition) => _definitions.TryGetValue(connectionId, out definition!);

    /// <summary>The provider profile a connection uses (its own, else its provider's, else generic), with the registration's
    /// rotation overrides applied.</summary>
    public ProviderProfile GetProfile(string connectionId, ConnectionRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var profile = _definitions.TryGetValue(connectionId, out var definition) && definition.Profile is { } custom ? custom
            : ProviderProfiles.TryGet(registration.Provider, out var named) ? named
            : ProviderProfiles.Generic;
        return registration.Rotation is null && registration.RotationGrace is null
            ? profile
            : profile with { Rotation = registration.Rotation ?? profile.Rotation, RotationGrace = registration.RotationGrace ?? profile.RotationGrace };
    }

    /// <summary>Registers a declared connection once (again after a failed attempt); a connection not declared in code is left to
    /// the store.</summary>
    public Task<RegistrationOutcome> EnsureRegisteredAsync(string connectionId, CancellationToken cancellationToken)
    {
        if (!_definitions.ContainsKey(connectionId))
        {
            return Task.FromResult(new RegistrationOutcome(false, false, false, false));
        }

        var lazy = _registrations.GetOrAdd(connectionId, id => new Lazy<Task<RegistrationOutcome>>(() => RegisterAsync(_definitions[id], stopping)));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled)
        {
            _registrations.TryRemove(new KeyValuePair<string, Lazy<Task<RegistrationOutcome>>>(connectionId, lazy));
        }

        return task.WaitAsync(cancellationToken);
    }

    private async Task<RegistrationOutcome> RegisterAsync(ConnectionDefinition definition, CancellationToken cancellationToken)
    {
        var id = definition.ConnectionId;
        var now = time.GetUtcNow();
        var initial = RegistrationRules.Initial(definition, now);
        var (stored, wasCreated) = await store.GetOrCreateAsync(initial, [ConnectionEvents.StateChanged(null, initial, now)!], cancellationToken).ConfigureAwait(false);
        if (wasCreated)
        {
            return new RegistrationOutcome(true, false, false, false);
        }

        // Every decision below is taken again on the latest record at each compare-and-swap attempt: a peer registering,
        // re-authorising or refreshing at the same moment is never overwritten by a decision made on an older snapshot.
        var updated = false;
        if (!stored.Registration.SameAs(definition.Registration))
        {
            reset(id);
            await updater.UpdateAsync(id, (record, at) =>
            {
                var next = RegistrationRules.Reconfigured(record, definition.Registration, at);
                updated = !ReferenceEquals(next, record);
                return (next, RecordUpdater.StateEvents(record, next, at));
            }, cancellationToken).ConfigureAwait(false);
        }

        var verdict = BootstrapVerdict.AlreadyHeld;
        var saidBefore = false;
        if (definition.BootstrapRefreshToken is { } offered)
        {
            await updater.UpdateAsync(id, (record, at) =>
            {
                verdict = RegistrationRules.JudgeBootstrap(record, offered);
                if (verdict == BootstrapVerdict.StoredWins)
                {
                    // Said once per connection per store: the same ignored token on every later run is the normal state.
                    var offeredHash = offered.Sha256Hex();
                    saidBefore = record.IgnoredBootstrapHash == offeredHash;
                    return (saidBefore ? record : record with { IgnoredBootstrapHash = offeredHash }, []);
                }

                if (verdict != BootstrapVerdict.Reauthorize)
                {
                    return (record, []);
                }

                var tokens = Tokens.TokenSets.FromRefreshToken(offered, at, definition.Registration.Scope);
                var next = RegistrationRules.Authorized(record, tokens, definition.AuthorizedAt, at) with { BootstrapHash = offered.Sha256Hex() };
                return (next, RecordUpdater.StateEvents(record, next, at));
            }, cancellationToken).ConfigureAwait(false);
        }

        if (verdict == BootstrapVerdict.Reauthorize)
        {
            reset(id);
        }
        else if (verdict == BootstrapVerdict.StoredWins && !saidBefore)
        {
            Log.BootstrapIgnored(logger, id, (await store.GetAsync(id, cancellationToken).ConfigureAwait(false))?.Tokens?.RefreshToken?.Fingerprint ?? TokenFingerprint.None);
        }

        var ignoredNow = verdict == BootstrapVerdict.StoredWins && !saidBefore;
        return new RegistrationOutcome(false, updated, ignoredNow, verdict == BootstrapVerdict.Reauthorize) { BootstrapSpent = verdict == BootstrapVerdict.Spent };
    }
}
