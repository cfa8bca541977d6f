namespace Tokenkeeper.Simulator;

/// <summary>Writes response bodies, applying any pending after-processing fault.</summary>
internal static class Responses
{
    public const string Json = "application/json";
    public const string Html = "text/html; charset=utf-8";
    public const string Text = "text/plain; charset=utf-8";

    public static Task WriteJsonAsync(HttpContext context, int statusCode, byte[] body) =>
        WriteAsync(context, statusCode, body, Json);

    public static Task WriteAsync(HttpContext context, int statusCode, byte[] body, string contentType)
    {
        if (context.Features.Get<PendingFault>() is { } pending)
        {
            if (pending.Spec.Kind == FaultKind.DropAfter)
            {
                context.Abort();
                return Task.CompletedTask;
            }

            if (pending.Spec.Kind == FaultKind.Truncated)
            {
                statusCode = StatusCodes.Status200OK;
                body = body[..(body.Length / 2)];
            }
        }

        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        return body.Length == 0 ? Task.CompletedTask : response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    /// <summary>Token-endpoint responses must not be cached (RFC 6749 §5.1).</summary>
    public static void NoStore(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
    }

    public static Task ErrorAsync(HttpContext context, int statusCode, string error, string description) =>
        WriteJsonAsync(context, statusCode, JsonBody.Error(error, description));
}
