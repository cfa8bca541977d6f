using System.Net;

namespace Tokenkeeper.IntegrationTests.Simulator;

/// <summary>The simulator's device authorization grant (RFC 8628): the codes, the polling answers, and the person's decision
/// through the admin API.</summary>
public sealed class DeviceAuthorizationTests
{
    private const string DeviceGrant = "urn:ietf:params:oauth:grant-type:device_code";

    [Fact]
    public async Task Polling_is_pending_then_slowed_down_when_too_fast_then_issues_tokens_once_after_approval()
    {
        await using var sim = await SimHarness.StartAsync(o => o.DevicePollInterval = TimeSpan.FromMinutes(5));
        var codes = await sim.PostFormAsync("oauth/device_authorization", SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret), ("scope", "contacts:read"));
        var device = codes["device_code"]!;

        var pending = await sim.TokenAsync(("grant_type", DeviceGrant), ("device_code", device));
        var tooFast = await sim.TokenAsync(("grant_type", DeviceGrant), ("device_code", device));
        sim.Server.ApproveDevice(codes["user_code"]!);
        var issued = await sim.TokenAsync(("grant_type", DeviceGrant), ("device_code", device));
        var again = await sim.TokenAsync(("grant_type", DeviceGrant), ("device_code", device));

        Assert.Equal(HttpStatusCode.OK, codes.Status);
        Assert.Equal(("300", "600"), (codes["interval"], codes["expires_in"]));
        Assert.Equal(("authorization_pending", "slow_down"), (pending.Error, tooFast.Error));
        Assert.Equal(HttpStatusCode.OK, issued.Status);
        Assert.True(issued.Has("refresh_token"));
        Assert.Equal("invalid_grant", again.Error);
    }

    [Fact]
    public async Task A_declined_request_is_access_denied_and_an_unknown_user_code_cannot_be_approved()
    {
        await using var sim = await SimHarness.StartAsync();
        var codes = await sim.PostFormAsync("oauth/device_authorization", SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret));

        sim.Server.DenyDevice(codes["user_code"]!);
        var denied = await sim.TokenAsync(("grant_type", DeviceGrant), ("device_code", codes["device_code"]!));

        Assert.Equal("access_denied", denied.Error);
        Assert.Throws<KeyNotFoundException>(() => sim.Server.ApproveDevice("NOPE-NOPE"));
    }

    [Fact]
    public async Task The_admin_route_approves_or_declines_a_user_code_over_http()
    {
        await using var sim = await SimHarness.StartAsync();
        var first = await sim.PostFormAsync("oauth/device_authorization", SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret));
        var second = await sim.PostFormAsync("oauth/device_authorization", SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret));

        var approved = await sim.PostFormAsync($"sim/device/{first["user_code"]}/approve", null);
        var denied = await sim.PostFormAsync($"sim/device/{second["user_code"]}/deny", null);
        var unknown = await sim.PostFormAsync("sim/device/NOPE-NOPE/approve", null);

        Assert.Equal(("approved", "denied"), (approved["status"], denied["status"]));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(HttpStatusCode.OK, (await sim.TokenAsync(("grant_type", DeviceGrant), ("device_code", first["device_code"]!))).Status);
        Assert.Equal("access_denied", (await sim.TokenAsync(("grant_type", DeviceGrant), ("device_code", second["device_code"]!))).Error);
    }

    [Fact]
    public async Task The_metadata_advertises_the_device_authorization_endpoint()
    {
        await using var sim = await SimHarness.StartAsync();

        var metadata = await sim.GetAsync(".well-known/oauth-authorization-server");

        Assert.EndsWith("/oauth/device_authorization", metadata["device_authorization_endpoint"], StringComparison.Ordinal);
    }
}
