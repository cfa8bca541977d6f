namespace Tokenkeeper.Simulator;

/// <summary>
/// <c>GET /.well-known/oauth-authorization-server</c>: RFC 8414 metadata. The introspection members are present only
/// while <see cref="SimulatorOptions.IntrospectionEnabled"/> is on.
/// </summary>
internal sealed class DiscoveryEndpoint(SimulatorRuntime runtime)
{
    public Task InvokeAsync(HttpContext context)
    {
        var body = JsonBody.Build(runtime, static (w, r) =>
        {
            var root = r.BaseAddress.ToString().TrimEnd('/');
            w.WriteStartObject();
            w.WriteString("issuer", r.Issuer);
            w.WriteString("authorization_endpoint", root + "/oauth/authorize");
            w.WriteString("device_authorization_endpoint", root + "/oauth/device_authorization");
            w.WriteString("token_endpoint", r.TokenEndpointUrl);
            w.WriteString("revocation_endpoint", root + "/oauth/revoke");
            if (r.Options.IntrospectionEnabled)
            {
                w.WriteString("introspection_endpoint", root + "/oauth/introspect");
            }

            w.WriteString("jwks_uri", root + "/.well-known/jwks.json");
            Array(w, "grant_types_supported", SimulatorGrantTypes.All);
            Array(w, "response_types_supported", ["code"]);
            Array(w, "response_modes_supported", ["query"]);
            Array(w, "code_challenge_methods_supported", [Pkce.S256]);
            Array(w, "token_endpoint_auth_methods_supported", ClientAuthentication.SupportedMethods);
            Array(w, "token_endpoint_auth_signing_alg_values_supported", ["RS256", "ES256"]);
            Array(w, "revocation_endpoint_auth_methods_supported", ClientAuthentication.SupportedMethods);
            if (r.Options.IntrospectionEnabled)
            {
                Array(w, "introspection_endpoint_auth_methods_supported", ClientAuthentication.ConfidentialMethods);
            }

            Array(w, "scopes_supported", r.Clients.AllScopes);
            w.WriteBoolean("authorization_response_iss_parameter_supported", true);
            w.WriteEndObject();
        });
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    private static void Array(System.Text.Json.Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }
}
