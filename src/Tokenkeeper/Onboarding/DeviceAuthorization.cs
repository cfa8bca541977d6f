namespace Tokenkeeper.Onboarding;

/// <summary>
/// A device authorization in progress (RFC 8628 §3.2): what the person needs (<see cref="UserCode"/> at
/// <see cref="VerificationUri"/>) and what polling needs (<see cref="DeviceCode"/>, a secret: never show or log it).
/// </summary>
public sealed record DeviceAuthorization
{
    /// <summary>The connection being authorised.</summary>
    public required string ConnectionId { get; init; }

    /// <summary>The device code the token endpoint is polled with (a secret).</summary>
    public required string DeviceCode { get; init; }

    /// <summary>The code the person enters at <see cref="VerificationUri"/>.</summary>
    public required string UserCode { get; init; }

    /// <summary>Where the person goes.</summary>
    public required Uri VerificationUri { get; init; }

    /// <summary>The same with the user code filled in, when the provider gives one (for a QR code or a link).</summary>
    public Uri? VerificationUriComplete { get; init; }

    /// <summary>When the codes expire.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>How often the token endpoint may be polled (RFC 8628 §3.5: 5 seconds when the provider says nothing).</summary>
    public required TimeSpan Interval { get; init; }

    /// <summary>The authorization without its device code, so logging it leaks nothing.</summary>
    public override string ToString() => $"DeviceAuthorization {{ ConnectionId = {ConnectionId}, UserCode = {UserCode}, VerificationUri = {VerificationUri}, ExpiresAt = {ExpiresAt:O} }}";
}
