using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Protocol;

namespace Tokenkeeper.IntegrationTests.Protocol;

/// <summary>RFC 8414 discovery against a real loopback server that answers with whatever metadata a test sets.</summary>
public sealed class DiscoveryTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private Func<string, string> _metadata = issuer => "{}";

    private Uri Issuer => new(_app.Urls.First().TrimEnd('/'));

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapGet("/.well-known/oauth-authorization-server", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(_metadata(Issuer.ToString().TrimEnd('/')));
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task MetadataLargerThanTheCap_IsRefused_NotBuffered()
    {
        // 300 KiB of padding, sent chunked (no Content-Length): the cap must hold while reading.
        _metadata = issuer => $$"""{"issuer":"{{issuer}}","token_endpoint":"{{issuer}}/oauth/token","padding":"{{new string('x', 300 * 1024)}}"}""";
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<TokenkeeperConfigurationException>(() => new DiscoveryClient(http).DiscoverAsync(Issuer));

        Assert.Contains($"larger than {TokenEndpointConstants.MaxResponseBytes / 1024} KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APlainHttpRevocationEndpointOffLoopback_IsRefused_LikeAnInsecureTokenEndpoint()
    {
        _metadata = issuer => $$"""{"issuer":"{{issuer}}","token_endpoint":"{{issuer}}/oauth/token","revocation_endpoint":"http://auth.example.com/revoke"}""";
        using var http = new HttpClient();

        var error = await Assert.ThrowsAsync<TokenkeeperConfigurationException>(() => new DiscoveryClient(http).DiscoverAsync(Issuer));

        Assert.Contains("revocation_endpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetadataWithinTheCap_IsRead()
    {
        _metadata = issuer => $$"""{"issuer":"{{issuer}}","token_endpoint":"{{issuer}}/oauth/token","revocation_endpoint":"{{issuer}}/oauth/revoke","padding":"{{new string('x', 100 * 1024)}}"}""";
        using var http = new HttpClient();

        var metadata = await new DiscoveryClient(http).DiscoverAsync(Issuer);

        Assert.Equal(new Uri(Issuer, "/oauth/token"), metadata.TokenEndpoint);
        Assert.Equal(new Uri(Issuer, "/oauth/revoke"), metadata.RevocationEndpoint);
    }
}
