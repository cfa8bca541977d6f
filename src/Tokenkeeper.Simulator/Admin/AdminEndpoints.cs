using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>
/// The <c>/sim</c> control surface: stats, reset, grants and dials. Unauthenticated: the simulator is a test
/// double bound to loopback.
/// </summary>
internal sealed class AdminEndpoints(SimulatorAdmin admin)
{
    private SimulatorRuntime Runtime => admin.Runtime;

    public Task StatsAsync(HttpContext context) =>
        Responses.WriteJsonAsync(context, StatusCodes.Status200OK, StatsJson.Body(admin.Stats()));

    public Task ResetAsync(HttpContext context)
    {
        admin.Reset();
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, """{"reset":true}"""u8.ToArray());
    }

    public Task DialsAsync(HttpContext context) =>
        Responses.WriteJsonAsync(context, StatusCodes.Status200OK, DialsJson.Body(Runtime.Options));

    public async Task ChangeDialsAsync(HttpContext context)
    {
        var body = await ReadJsonAsync(context);
        if (body is not { } json)
        {
            return;
        }

        var problem = admin.ApplyDials(json);
        if (problem is not null)
        {
            await Responses.ErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request", problem);
            return;
        }

        await DialsAsync(context);
    }

    public Task ListGrantsAsync(HttpContext context)
    {
        var body = JsonBody.Build(Runtime, static (w, r) =>
        {
            var now = r.Clock.UtcNow;
            w.WriteStartObject();
            w.WriteStartArray("grants");
            foreach (var grant in r.State.Grants.Values.OrderBy(g => g.Id, StringComparer.Ordinal))
            {
                GrantView.Write(w, grant, r, now);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    public async Task CreateGrantAsync(HttpContext context)
    {
        var body = await ReadJsonAsync(context);
        if (body is not { } json)
        {
            return;
        }

        if (json.ValueKind != JsonValueKind.Object)
        {
            await Responses.ErrorAsync(context, 400, OAuthError.InvalidRequestCode, "the body must be {\"client_id\",\"user\",\"scope\"}");
            return;
        }

        var (tokens, error) = admin.CreateGrant(Text(json, "client_id"), Text(json, "user"), Text(json, "scope"));
        if (error is { } refused)
        {
            await OAuthErrorWriter.WriteAsync(context, Runtime, refused with { StatusCode = 400, BasicChallenge = false });
            return;
        }

        await TokenResponseWriter.WriteAsync(context, Runtime, tokens!);
    }

    /// <summary><c>POST /sim/device/{user_code}/approve|deny</c>: a person's decision on a device authorization (RFC 8628).</summary>
    public Task DecideDeviceAsync(HttpContext context, string userCode, bool approve)
    {
        if (!admin.DecideDevice(userCode, approve))
        {
            return Responses.ErrorAsync(context, StatusCodes.Status404NotFound, "not_found", $"no pending device authorization with user code '{userCode}'");
        }

        var body = JsonBody.Build((userCode, approve), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("user_code", s.userCode);
            w.WriteString("status", s.approve ? "approved" : "denied");
            w.WriteEndObject();
        });
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    public Task RevokeGrantAsync(HttpContext context, string grantId)
    {
        if (!admin.RevokeGrant(grantId))
        {
            return Responses.ErrorAsync(context, StatusCodes.Status404NotFound, "not_found", $"no grant '{grantId}'");
        }

        var body = JsonBody.Build(grantId, static (w, id) =>
        {
            w.WriteStartObject();
            w.WriteString("grant_id", id);
            w.WriteString("status", "revoked");
            w.WriteEndObject();
        });
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The parsed JSON body, or null when a 400/413 has been written.</summary>
    private static async Task<JsonElement?> ReadJsonAsync(HttpContext context)
    {
        var body = await BodyReader.ReadAsync(context, SimulatorDefaults.AdminMaxBodyBytes);
        if (body is null)
        {
            await Responses.ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, "request_too_large", "the body is too large");
            return null;
        }

        try
        {
            return JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException e)
        {
            await Responses.ErrorAsync(context, StatusCodes.Status400BadRequest, OAuthError.InvalidRequestCode, "the body is not valid JSON: " + e.Message);
            return null;
        }
    }
}
