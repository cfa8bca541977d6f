namespace Tokenkeeper.Refresh;

/// <summary>Why a refresh started (a tag on metrics and logs).</summary>
internal enum RefreshTrigger
{
    /// <summary>There was no access token yet.</summary>
    NoToken,

    /// <summary>The token passed its refresh-ahead point: refreshed in the background while still served.</summary>
    RefreshAhead,

    /// <summary>The token passed its usable-until point (or a caller's <c>minValidity</c>): callers waited.</summary>
    Expiring,

    /// <summary>A caller needed the token valid for longer (<c>minValidity</c>) than the current one has left.</summary>
    MinValidity,

    /// <summary>A resource server rejected the current token.</summary>
    Rejected,

    /// <summary>Asked for explicitly by an operator or a job.</summary>
    Forced,

    /// <summary>The lifecycle service exercising the refresh token before its idle deadline, or probing one past its deadline.
    /// Tagged <c>keepalive</c>.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("keepalive")]
    KeepAlive,

    /// <summary>This instance keeps tokens that the store would not take (their refresh token may be the only live one): the
    /// background attempt to store them. It never refreshes.</summary>
    StoreKept,
}
