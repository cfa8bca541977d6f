namespace Tokenkeeper.Protocol;

/// <summary>application/x-www-form-urlencoded escaping, as RFC 6749 §2.3.1 requires for HTTP Basic client credentials.</summary>
internal static class FormEncoding
{
    public static string Encode(string value) => Uri.EscapeDataString(value).Replace("%20", "+", StringComparison.Ordinal);
}
