using System.Globalization;

namespace Tokenkeeper.Simulator;

/// <summary>
/// Checks the bearer token of a resource-API request (RFC 6750) and, when it fails, writes the refusal in the
/// personality's shape: generic and most presets → 401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c>
/// (403 <c>insufficient_scope</c> for a missing scope); salesforce → 401
/// <c>[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]</c>; slack → HTTP 200
/// <c>{"ok":false,"error":"token_expired"|"token_revoked"|"invalid_auth"|"not_authed"|"missing_scope"}</c>.
/// </summary>
internal sealed class BearerAuthenticator(SimulatorRuntime runtime)
{
    private const string Realm = "tokenkeeper-simulator";

    private static readonly byte[] SalesforceInvalidSession =
        """[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"""u8.ToArray();

    /// <summary>The token's record if it may call with <paramref name="scope"/>; otherwise null, and the refusal has been written.</summary>
    public async Task<AccessTokenRecord?> AuthenticateAsync(HttpContext context, string scope)
    {
        var header = context.Request.Headers.Authorization;
        var value = header.Count == 1 ? header[0] : null;
        if (value is null || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, AccessTokenStatus.Unknown, missing: true, "an Authorization: Bearer header is required");
            return null;
        }

        var token = value["Bearer ".Length..].Trim();
        if (token.Length == 0)
        {
            await RefuseAsync(context, AccessTokenStatus.Unknown, missing: true, "the bearer token is empty");
            return null;
        }

        var now = runtime.Clock.UtcNow;
        runtime.State.AccessTokens.TryGetValue(token, out var record);
        if (record is not null && record.StatusAt(now) == AccessTokenStatus.Active && runtime.Random.Chance(runtime.Options.RevokeRate) && record.Revoke())
        {
            Interlocked.Increment(ref runtime.Stats.TokensRevokedRandomly);
        }

        var status = record?.StatusAt(now) ?? AccessTokenStatus.Unknown;
        if (status != AccessTokenStatus.Active)
        {
            var description = status switch
            {
                AccessTokenStatus.Expired => "the access token expired",
                AccessTokenStatus.Revoked => "the access token was revoked",
                _ => "the access token is not recognised",
            };
            await RefuseAsync(context, status, missing: false, description);
            return null;
        }

        if (Array.IndexOf(record!.Scopes, scope) < 0)
        {
            await ForbidAsync(context, record, scope);
            return null;
        }

        return record;
    }

    private Task RefuseAsync(HttpContext context, AccessTokenStatus status, bool missing, string description)
    {
        Interlocked.Increment(ref runtime.Stats.UnauthorizedServed);
        var headers = context.Response.Headers;
        switch (runtime.Personality)
        {
            case PersonalityKind.Slack:
                var slackError = missing ? "not_authed" : status switch
                {
                    AccessTokenStatus.Expired => "token_expired",
                    AccessTokenStatus.Revoked => "token_revoked",
                    _ => "invalid_auth",
                };
                return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, SlackError(slackError));
            case PersonalityKind.Salesforce:
                headers.WWWAuthenticate = $"Bearer realm=\"{Realm}\"";
                return Responses.WriteJsonAsync(context, StatusCodes.Status401Unauthorized, SalesforceInvalidSession);
            default:
                headers.WWWAuthenticate = missing
                    ? $"Bearer realm=\"{Realm}\""
                    : $"Bearer realm=\"{Realm}\", error=\"invalid_token\", error_description=\"{description}\"";
                return Responses.ErrorAsync(context, StatusCodes.Status401Unauthorized, missing ? "unauthorized" : "invalid_token", description);
        }
    }

    private Task ForbidAsync(HttpContext context, AccessTokenRecord record, string scope)
    {
        Interlocked.Increment(ref runtime.Stats.ForbiddenServed);
        if (runtime.Personality == PersonalityKind.Slack)
        {
            var body = JsonBody.Build((scope, record.Scope), static (w, s) =>
            {
                w.WriteStartObject();
                w.WriteBoolean("ok", false);
                w.WriteString("error", "missing_scope");
                w.WriteString("needed", s.scope);
                w.WriteString("provided", s.Item2);
                w.WriteEndObject();
            });
            return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
        }

        context.Response.Headers.WWWAuthenticate = string.Create(
            CultureInfo.InvariantCulture, $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\", scope=\"{scope}\"");
        return Responses.ErrorAsync(context, StatusCodes.Status403Forbidden, "insufficient_scope", $"this call needs scope '{scope}'");
    }

    private static byte[] SlackError(string error) => JsonBody.Build(error, static (w, e) =>
    {
        w.WriteStartObject();
        w.WriteBoolean("ok", false);
        w.WriteString("error", e);
        w.WriteEndObject();
    });
}
