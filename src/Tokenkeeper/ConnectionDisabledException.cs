namespace Tokenkeeper;

/// <summary>An operator disabled the connection: no token is served and no refresh is attempted until it is enabled.</summary>
public sealed class ConnectionDisabledException : TokenAcquisitionException
{
    /// <summary>Creates the exception.</summary>
    public ConnectionDisabledException(string connectionId, string? detail)
        : base(connectionId, $"Connection '{connectionId}' is disabled{(detail is null ? "" : ": " + detail)}.")
    {
    }
}
