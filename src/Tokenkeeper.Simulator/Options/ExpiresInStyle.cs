namespace Tokenkeeper.Simulator;

/// <summary>How a token response states the access token's lifetime (<c>--expires-in</c>).</summary>
public enum ExpiresInStyle
{
    /// <summary><c>"expires_in": 3600</c>, a JSON number (RFC 6749 §5.1). The default.</summary>
    Number,

    /// <summary><c>"expires_in": "3600"</c>, a numeric string, as some providers send.</summary>
    String,

    /// <summary>
    /// No <c>expires_in</c> at all, Salesforce style: the response carries <c>issued_at</c> (epoch milliseconds
    /// as a string), <c>instance_url</c>, <c>id</c> and <c>signature</c>. The token still dies after
    /// <see cref="SimulatorOptions.AccessTtl"/> on the server.
    /// </summary>
    Omit,
}
