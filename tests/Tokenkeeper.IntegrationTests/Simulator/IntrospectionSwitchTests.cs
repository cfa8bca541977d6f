using System.Net;

namespace Tokenkeeper.IntegrationTests.Simulator;

/// <summary><c>--no-introspection</c> / <c>introspection_enabled</c>: a provider without RFC 7662 introspection.</summary>
public sealed class IntrospectionSwitchTests
{
    private static readonly System.Net.Http.Headers.AuthenticationHeaderValue Demo = SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret);

    [Fact]
    public async Task NoIntrospection_IntrospectIs404_AndDiscoveryAndIndexOmitIt()
    {
        await using var sim = await SimHarness.StartAsync(o => o.IntrospectionEnabled = false);
        var grant = await sim.GrantAsync();

        var post = await sim.PostFormAsync("oauth/introspect", Demo, ("token", grant.AccessToken));
        var get = await sim.GetAsync("oauth/introspect");
        var discovery = await sim.GetAsync(".well-known/oauth-authorization-server");
        var index = await sim.GetAsync(string.Empty);

        Assert.Equal(HttpStatusCode.NotFound, post.Status);
        Assert.Equal("not_found", post.Error);
        Assert.Equal(HttpStatusCode.NotFound, get.Status);
        Assert.False(discovery.Has("introspection_endpoint"));
        Assert.False(discovery.Has("introspection_endpoint_auth_methods_supported"));
        Assert.True(discovery.Has("revocation_endpoint"));
        var endpoints = index.Json.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.DoesNotContain("/oauth/introspect", endpoints);
        Assert.Contains("/oauth/revoke", endpoints);
        Assert.Equal(0, sim.Server.GetStats().InternalErrors);
    }

    [Fact]
    public async Task IntrospectionEnabled_IsADialAtRuntime()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();

        var off = await sim.PostJsonAsync("sim/dials", """{"introspection_enabled":false}""");
        var whileOff = await sim.PostFormAsync("oauth/introspect", Demo, ("token", grant.AccessToken));
        var discoveryOff = await sim.GetAsync(".well-known/oauth-authorization-server");
        var bad = await sim.PostJsonAsync("sim/dials", """{"introspection_enabled":"no"}""");
        var on = await sim.PostJsonAsync("sim/dials", """{"introspection_enabled":true}""");
        var whileOn = await sim.PostFormAsync("oauth/introspect", Demo, ("token", grant.AccessToken));
        var discoveryOn = await sim.GetAsync(".well-known/oauth-authorization-server");

        Assert.Equal("false", off["introspection_enabled"]);
        Assert.Equal(HttpStatusCode.NotFound, whileOff.Status);
        Assert.False(discoveryOff.Has("introspection_endpoint"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("true", on["introspection_enabled"]);
        Assert.Equal(HttpStatusCode.OK, whileOn.Status);
        Assert.Equal("true", whileOn["active"]);
        Assert.True(discoveryOn.Has("introspection_endpoint"));
    }
}
