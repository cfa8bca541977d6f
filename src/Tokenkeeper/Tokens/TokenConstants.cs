namespace Tokenkeeper.Tokens;

/// <summary>Default numbers for token windows and expiry normalisation.</summary>
public static class TokenConstants
{
}
