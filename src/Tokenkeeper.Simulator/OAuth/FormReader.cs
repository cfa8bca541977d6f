using Microsoft.AspNetCore.Http.Features;

namespace Tokenkeeper.Simulator;

/// <summary>Reads an <c>application/x-www-form-urlencoded</c> body, refusing anything else with an RFC error.</summary>
internal static class FormReader
{
    private static readonly FormOptions Limits = new()
    {
        BufferBody = false,
        ValueLengthLimit = SimulatorDefaults.FormMaxBodyBytes,
        KeyLengthLimit = SimulatorDefaults.FormMaxParameterNameLength,
        ValueCountLimit = SimulatorDefaults.FormMaxParameters,
    };

    public static async Task<(IFormCollection? Form, OAuthError? Error)> ReadAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasFormContentType || !request.ContentType!.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return (null, OAuthError.InvalidRequest("the body must be application/x-www-form-urlencoded"));
        }

        if (request.ContentLength > SimulatorDefaults.FormMaxBodyBytes)
        {
            return (null, OAuthError.InvalidRequest("the form body is too large"));
        }

        IFormCollection form;
        try
        {
            form = await new FormFeature(request, Limits).ReadFormAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or BadHttpRequestException or IOException)
        {
            return (null, OAuthError.InvalidRequest("the form body could not be read: " + e.Message));
        }

        foreach (var (key, values) in form)
        {
            if (values.Count > 1)
            {
                // RFC 6749 §3.1 and §3.2: parameters must not be included more than once.
                return (null, OAuthError.InvalidRequest($"parameter '{key}' is repeated"));
            }
        }

        return (form, null);
    }

    public static string? Get(this IFormCollection form, string name)
    {
        var value = form[name];
        return value.Count == 0 || string.IsNullOrEmpty(value[0]) ? null : value[0];
    }
}
