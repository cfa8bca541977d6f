namespace Tokenkeeper.Simulator;

/// <summary>What a refresh does to the refresh token that was presented (<c>--rotation</c>).</summary>
public enum RotationMode
{
    /// <summary>
    /// The refresh token never changes, and refresh responses carry no <c>refresh_token</c> at all (as Google,
    /// HubSpot and Salesforce without rotation do): the client must keep the one it has.
    /// </summary>
    None,

    /// <summary>Each refresh returns a new refresh token; the presented one dies at once. The default.</summary>
    Rotate,

    /// <summary>
    /// Each refresh returns a new refresh token; the presented one keeps working for
    /// <see cref="SimulatorOptions.RotationGrace"/> after it was rotated (Xero style).
    /// </summary>
    Grace,

    /// <summary>
    /// Each refresh returns a new refresh token; presenting a dead one revokes the whole grant — every refresh and
    /// access token issued from it (Auth0, Okta and Salesforce style). <see cref="SimulatorOptions.ReuseInterval"/>
    /// gives the immediately previous token a leeway.
    /// </summary>
    ReuseDetection,
}
