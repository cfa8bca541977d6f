namespace Tokenkeeper.Simulator;

/// <summary>Writes an <see cref="OAuthError"/> as RFC 6749 §5.2 JSON, with the personality's extra members.</summary>
internal static class OAuthErrorWriter
{
    public const string BasicRealm = "Basic realm=\"tokenkeeper-simulator\"";

    public static Task WriteAsync(HttpContext context, SimulatorRuntime runtime, OAuthError error)
    {
        Responses.NoStore(context);
        if (error.BasicChallenge)
        {
            context.Response.Headers.WWWAuthenticate = BasicRealm;
        }

        var hubSpot = runtime.Personality == PersonalityKind.HubSpot && error.Code == OAuthError.InvalidGrantCode;
        var body = JsonBody.Build((error, hubSpot), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("error", s.error.Code);
            w.WriteString("error_description", s.error.Description);
            if (s.hubSpot)
            {
                // HubSpot's legacy error shape, sent alongside the RFC members.
                w.WriteString("status", "BAD_REFRESH_TOKEN");
                w.WriteString("message", s.error.Description);
            }

            w.WriteEndObject();
        });
        return Responses.WriteJsonAsync(context, error.StatusCode, body);
    }
}
