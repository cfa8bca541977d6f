namespace Tokenkeeper.Simulator;

/// <summary>
/// Maps method and path to the endpoints. A hand-written table rather than endpoint routing: no route compilation
/// at start, and unknown paths and methods get JSON errors (404 <c>not_found</c>, 405 <c>method_not_allowed</c>)
/// instead of empty bodies. A path switched off by a dial (<c>/oauth/introspect</c> under <c>--no-introspection</c>)
/// is answered 404 whatever the method, and left out of <see cref="Paths"/>.
/// </summary>
internal sealed class RequestDispatcher
{
    private const string GrantsPrefix = "/sim/grants/";
    private const string RevokeSuffix = "/revoke";
    private const string DevicePrefix = "/sim/device/";

    private const string IntrospectionPath = "/oauth/introspect";

    private readonly Dictionary<string, (RequestDelegate? Get, RequestDelegate? Post)> _routes = new(StringComparer.OrdinalIgnoreCase);
    private readonly IntrospectionEndpoint _introspection;
    private readonly Func<HttpContext, string, Task> _revokeGrant;
    private readonly Func<HttpContext, string, bool, Task> _decideDevice;

    public RequestDispatcher(SimulatorEndpoints endpoints)
    {
        _routes["/"] = (endpoints.Index.InvokeAsync, null);
        _routes["/.well-known/oauth-authorization-server"] = (endpoints.Discovery.InvokeAsync, null);
        _routes["/.well-known/jwks.json"] = (endpoints.Jwks.InvokeAsync, null);
        _routes["/oauth/authorize"] = (endpoints.Authorize.InvokeAsync, null);
        _routes["/oauth/token"] = (null, endpoints.Token.InvokeAsync);
        _routes["/oauth/device_authorization"] = (null, endpoints.DeviceAuthorization.InvokeAsync);
        _routes["/oauth/revoke"] = (null, endpoints.Revocation.InvokeAsync);
        _routes[IntrospectionPath] = (null, endpoints.Introspection.InvokeAsync);
        _routes["/api/contacts"] = (endpoints.Contacts.InvokeAsync, null);
        _routes["/api/contacts/batch"] = (null, endpoints.Batch.InvokeAsync);
        _routes["/sim/stats"] = (endpoints.Admin.StatsAsync, null);
        _routes["/sim/reset"] = (null, endpoints.Admin.ResetAsync);
        _routes["/sim/grants"] = (endpoints.Admin.ListGrantsAsync, endpoints.Admin.CreateGrantAsync);
        _routes["/sim/dials"] = (endpoints.Admin.DialsAsync, endpoints.Admin.ChangeDialsAsync);
        _revokeGrant = endpoints.Admin.RevokeGrantAsync;
        _decideDevice = endpoints.Admin.DecideDeviceAsync;
        _introspection = endpoints.Introspection;
    }

    /// <summary>The paths served now (a switched-off path is left out).</summary>
    public IEnumerable<string> Paths => _routes.Keys.Where(IsServed)
        .Append(GrantsPrefix + "{id}" + RevokeSuffix)
        .Append(DevicePrefix + "{user_code}/approve")
        .Append(DevicePrefix + "{user_code}/deny");

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        if (!IsServed(path))
        {
            return Responses.ErrorAsync(context, StatusCodes.Status404NotFound, "not_found", $"{path} is switched off (--no-introspection, dial introspection_enabled)");
        }

        if (_routes.TryGetValue(path, out var route))
        {
            var handler = HttpMethods.IsGet(method) ? route.Get : HttpMethods.IsPost(method) ? route.Post : null;
            return handler is not null ? handler(context) : MethodNotAllowed(context, route.Get is not null ? "GET" : "POST");
        }

        if (path.StartsWith(GrantsPrefix, StringComparison.OrdinalIgnoreCase) && path.EndsWith(RevokeSuffix, StringComparison.OrdinalIgnoreCase)
            && path.Length > GrantsPrefix.Length + RevokeSuffix.Length)
        {
            var id = path[GrantsPrefix.Length..^RevokeSuffix.Length];
            if (!id.Contains('/', StringComparison.Ordinal))
            {
                return HttpMethods.IsPost(method) ? _revokeGrant(context, id) : MethodNotAllowed(context, "POST");
            }
        }

        if (path.StartsWith(DevicePrefix, StringComparison.OrdinalIgnoreCase) && path[DevicePrefix.Length..].Split('/') is [{ Length: > 0 } userCode, var decision and ("approve" or "deny")])
        {
            return HttpMethods.IsPost(method) ? _decideDevice(context, userCode, decision == "approve") : MethodNotAllowed(context, "POST");
        }

        return Responses.ErrorAsync(context, StatusCodes.Status404NotFound, "not_found", $"no endpoint at {path}; GET / lists them");
    }

    private bool IsServed(string path) =>
        _introspection.IsEnabled || !string.Equals(path, IntrospectionPath, StringComparison.OrdinalIgnoreCase);

    private static Task MethodNotAllowed(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return Responses.ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "method_not_allowed", $"use {allowed}");
    }
}
