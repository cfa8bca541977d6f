namespace Tokenkeeper.Simulator;

/// <summary>How a token was obtained; the keys of <c>tokens_issued</c>.</summary>
internal enum IssuedBy
{
    AuthorizationCode,
    ClientCredentials,
    RefreshToken,
    JwtBearer,
    SimGrant,
    DeviceCode,
}

/// <summary>Names of <see cref="IssuedBy"/> as they appear in stats and logs.</summary>
internal static class IssuedByNames
{
    public static IReadOnlyList<string> All { get; } = ["authorization_code", "client_credentials", "refresh_token", "jwt_bearer", "sim_grant", "device_code"];

    public static string Of(IssuedBy kind) => All[(int)kind];
}
