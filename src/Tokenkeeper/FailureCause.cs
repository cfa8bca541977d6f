using System.Text.Json.Serialization;

namespace Tokenkeeper;

/// <summary>
/// Whose problem a failure is, so an alert names the right fix and a store outage is never reported as a dead grant. Written in
/// events, records and reports as <c>credential</c>, <c>client_configuration</c>, <c>provider</c> or <c>infrastructure</c>
/// (<see cref="FailureCauses.Name"/>; JSON serialisers that write enums as strings write these names too).
/// </summary>
public enum FailureCause
{
    /// <summary>The grant itself: the refresh token was refused (<c>invalid_grant</c>), revoked, expired, or its rotation was lost.
    /// A person must authorise the connection again.</summary>
    [JsonStringEnumMemberName(FailureCauses.Credential)]
    Credential,

    /// <summary>The client's registration: <c>invalid_client</c>, <c>unauthorized_client</c>, a scope or request the provider refuses,
    /// an unusable signing key. Correct the configuration; the grant is fine.</summary>
    [JsonStringEnumMemberName(FailureCauses.ClientConfiguration)]
    ClientConfiguration,

    /// <summary>The provider: 5xx answers, timeouts, rate limits, garbled answers. It usually passes; Tokenkeeper retries.</summary>
    [JsonStringEnumMemberName(FailureCauses.Provider)]
    Provider,

    /// <summary>Our side: the token store (locked, failing, unreadable with this key), this machine's network (the provider could not be
    /// reached at all: refused, DNS, TLS), or a refresh lease that timed out. Never a reason to re-authorise.</summary>
    [JsonStringEnumMemberName(FailureCauses.Infrastructure)]
    Infrastructure,
}
