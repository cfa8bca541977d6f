using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// The smallest resource endpoint Kestrel can serve on loopback: 401 without an <c>Authorization</c> header, else 200 and a
/// 13-byte JSON body. Used for the handler-overhead comparison so that the server's own cost (the simulator looks the token
/// up and serialises contacts) does not dilute the handler's share.
/// </summary>
internal sealed class MinimalApi : IAsyncDisposable
{
    private static readonly byte[] Body = """{"items":[]}"""u8.ToArray();

    private readonly WebApplication _app;

    private MinimalApi(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<MinimalApi> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.Run(context =>
        {
            if (context.Request.Headers.Authorization.Count == 0)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            }

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = Body.Length;
            return context.Response.Body.WriteAsync(Body).AsTask();
        });
        await app.StartAsync();
        return new MinimalApi(app, new Uri(app.Urls.First().TrimEnd('/') + "/api/contacts?limit=1"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
