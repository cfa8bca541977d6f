using Microsoft.Extensions.Logging;

namespace Tokenkeeper.Simulator;

/// <summary>
/// The simulator's log events (source-generated, so a disabled level costs a flag check). Tokens appear only as
/// fingerprints (<see cref="Fingerprint"/>), never in clear; secrets never appear.
/// </summary>
internal static partial class SimulatorLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "token issued: grant_type={GrantType} client={ClientId} grant={GrantId} outcome=issued access={AccessFingerprint} refresh={RefreshFingerprint} presented={PresentedFingerprint}")]
    public static partial void TokenIssued(ILogger logger, string grantType, string clientId, string grantId, string accessFingerprint, string refreshFingerprint, string presentedFingerprint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "token refused: grant_type={GrantType} client={ClientId} grant={GrantId} outcome={Error} description=\"{Description}\" presented={PresentedFingerprint}")]
    public static partial void TokenRefused(ILogger logger, string grantType, string clientId, string grantId, string error, string description, string presentedFingerprint);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "grant revoked: grant={GrantId} reason={Reason}")]
    public static partial void GrantRevoked(ILogger logger, string grantId, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "fault injected: {Fault} on {Method} {Path}")]
    public static partial void FaultInjected(ILogger logger, string fault, string method, string path);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "token refused: client={ClientId} outcome=rate_limited retry_after={RetryAfterSeconds}s")]
    public static partial void RateLimited(ILogger logger, string clientId, long retryAfterSeconds);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "unhandled exception serving {Method} {Path}; answered 500 server_error")]
    public static partial void Unhandled(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "dials changed: {Dials}")]
    public static partial void DialsChanged(ILogger logger, string dials);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "simulator reset: grants, tokens, stored contacts and stats cleared")]
    public static partial void StateReset(ILogger logger);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information,
        Message = "token response lost: client={ClientId} grant={GrantId} the client went away while the answer was held (token_delay {Delay}); what was processed stands")]
    public static partial void HeldResponseLost(ILogger logger, string clientId, string grantId, string delay);
}
