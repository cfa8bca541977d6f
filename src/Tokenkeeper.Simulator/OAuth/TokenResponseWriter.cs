using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>
/// Writes a successful token response (RFC 6749 §5.1) in the style the dials ask for: <c>expires_in</c> as a
/// number, a string, or omitted Salesforce-style (with <c>issued_at</c>, <c>instance_url</c>, <c>id</c>,
/// <c>signature</c>); <c>refresh_token_expires_in</c> when the grant has an absolute lifetime.
/// </summary>
internal static class TokenResponseWriter
{
    public static byte[] Body(SimulatorRuntime runtime, IssuedTokens tokens) =>
        JsonBody.Build((runtime, tokens), static (w, s) => Write(w, s.runtime, s.tokens));

    public static Task WriteAsync(HttpContext context, SimulatorRuntime runtime, IssuedTokens tokens)
    {
        Responses.NoStore(context);
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, Body(runtime, tokens));
    }

    private static void Write(Utf8JsonWriter w, SimulatorRuntime runtime, IssuedTokens tokens)
    {
        var options = runtime.Options;
        var access = tokens.Access;
        var lifetime = (long)(access.ExpiresAt - access.IssuedAt).TotalSeconds;
        w.WriteStartObject();
        w.WriteString("access_token", tokens.AccessToken);
        w.WriteString("token_type", "Bearer");
        switch (options.ExpiresIn)
        {
            case ExpiresInStyle.Number:
                w.WriteNumber("expires_in", lifetime);
                break;
            case ExpiresInStyle.String:
                w.WriteString("expires_in", lifetime.ToString(CultureInfo.InvariantCulture));
                break;
            case ExpiresInStyle.Omit:
            default:
                break;
        }

        if (tokens.RefreshToken is not null)
        {
            w.WriteString("refresh_token", tokens.RefreshToken);
        }

        if (access.Grant?.AbsoluteDeadline(options) is { } deadline)
        {
            w.WriteNumber("refresh_token_expires_in", Math.Max(0, (long)(deadline - access.IssuedAt).TotalSeconds));
        }

        w.WriteString("scope", access.Scope);
        if (options.ExpiresIn == ExpiresInStyle.Omit)
        {
            WriteSalesforceMembers(w, runtime, access);
        }

        if (tokens.IncludeGrantId && access.Grant is not null)
        {
            w.WriteString("grant_id", access.Grant.Id);
        }

        w.WriteEndObject();
    }

    private static void WriteSalesforceMembers(Utf8JsonWriter w, SimulatorRuntime runtime, AccessTokenRecord access)
    {
        var root = runtime.BaseAddress.ToString().TrimEnd('/');
        var id = $"{root}/id/00Dsim0000000001AAA/{Uri.EscapeDataString(access.Subject)}";
        var issuedAt = runtime.Clock.Shown(access.IssuedAt).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var key = access.Client.SecretBytes ?? Encoding.UTF8.GetBytes(access.Client.ClientId);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(id + issuedAt)));
        w.WriteString("instance_url", root);
        w.WriteString("id", id);
        w.WriteString("issued_at", issuedAt);
        w.WriteString("signature", signature);
    }
}
