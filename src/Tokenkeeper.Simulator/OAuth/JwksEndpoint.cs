namespace Tokenkeeper.Simulator;

/// <summary><c>GET /.well-known/jwks.json</c>: the RS256 public key of JWT access tokens (empty under HS256).</summary>
internal sealed class JwksEndpoint(SimulatorRuntime runtime)
{
    public Task InvokeAsync(HttpContext context) =>
        Responses.WriteJsonAsync(context, StatusCodes.Status200OK, runtime.Jwt.JwksBody());
}
