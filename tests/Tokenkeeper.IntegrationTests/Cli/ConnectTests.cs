using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Simulator;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>
/// Onboarding from the command line (issue 14), real processes against the simulator over loopback: <c>connections add</c>
/// defines a connection without a job file, <c>connect --no-browser --json</c> prints the authorization URL and listens for the
/// redirect, which this test delivers by following the URL with an HTTP client (the simulator auto-approves, as a person would);
/// then a sync names the connections by id only. Every refusal exits with its code and leaves the store as it was.
/// </summary>
public sealed class ConnectTests : IAsyncLifetime
{
    private const int Contacts = 300;
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-connect-").FullName;
    private readonly string _key = EncryptionKeys.NewKey();
    private SimulatorServer _simulator = null!;

    private string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    private Dictionary<string, string> Environment => new() { ["TOKENKEEPER_KEY"] = _key, ["CRM_SECRET"] = SimulatorDefaults.ClientSecret };

    public async Task InitializeAsync() => _simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Contacts = Contacts });

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Add_then_connect_through_the_loopback_redirect_then_a_sync_names_the_connections_by_id_only()
    {
        Assert.Equal("PendingAuthorization", await AddAsync("crm", "contacts:read"));
        Assert.Equal("PendingAuthorization", await AddAsync("sell", "contacts:write"));

        foreach (var id in new[] { "crm", "sell" })
        {
            using var connect = StartConnect(id);
            var page = WebUtility.HtmlDecode(await FollowAsync(await AuthorizeUrlAsync(connect)));
            await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));

            Assert.True(connect.ExitCode == 0, connect.Output);
            Assert.Contains($"connection '{id}' is connected", page, StringComparison.Ordinal);
            var result = LastJson(connect);
            Assert.Equal(("Active", "PendingAuthorization"), ((string?)result["state"], (string?)result["previous_state"]));
            Assert.Matches("^[0-9a-f]{8}$", (string)result["refresh_token"]!);
        }

        var job = Path.Combine(_directory, "job.json");
        await File.WriteAllTextAsync(job, JobNamingStoredConnections());
        var (exit, output) = await CliProcess.RunAsync(["sync", "--config", job, "--json"], Environment);

        Assert.True(exit == 0, output);
        Assert.Equal(Contacts, _simulator.GetStats().ContactsStoredDistinct);
    }

    [Fact]
    public async Task A_client_credentials_connection_is_active_after_its_first_token()
    {
        var (exit, output) = await CliProcess.RunAsync(
            [
                "connections", "add", "svc", "--store", StorePath, "--json", "--grant", "client_credentials",
                "--token-endpoint", _simulator.TokenEndpoint.ToString(), "--client-id", SimulatorDefaults.ClientId,
                "--client-secret-env", "CRM_SECRET", "--scopes", "contacts:read",
            ],
            Environment);

        Assert.True(exit == 0, output);
        Assert.Equal("Active", (string?)JsonNode.Parse(output)!["state"]);
        Assert.Equal(1, _simulator.GetStats().TokensIssued["client_credentials"]);
    }

    [Fact]
    public async Task A_jwt_bearer_connection_signs_with_the_key_file_and_is_active_after_its_first_token()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var keyFile = Path.Combine(_directory, "erp.pem");
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        await using var provider = await SimulatorServer.StartAsync(new SimulatorOptions
        {
            Clients = [SimulatorClient.CreateDefault(), new SimulatorClient { ClientId = "erp", PublicKeyPem = key.ExportSubjectPublicKeyInfoPem() }],
        });

        var (exit, output) = await CliProcess.RunAsync(
            [
                "connections", "add", "erp", "--store", StorePath, "--json", "--grant", "jwt_bearer", "--auth-method", "private_key_jwt",
                "--token-endpoint", provider.TokenEndpoint.ToString(), "--client-id", "erp",
                "--signing-key-file", keyFile, "--jwt-subject", provider.Options.TestUser, "--scopes", "contacts:read",
            ],
            Environment);
        var (missing, missingOutput) = await CliProcess.RunAsync(
            ["connections", "add", "erp2", "--store", StorePath, "--grant", "jwt_bearer", "--token-endpoint", provider.TokenEndpoint.ToString(), "--client-id", "erp"],
            Environment);

        Assert.True(exit == 0, output);
        Assert.Equal("Active", (string?)JsonNode.Parse(output)!["state"]);
        Assert.DoesNotContain("PRIVATE KEY", output, StringComparison.Ordinal);
        Assert.True(missing == 2, missingOutput);
        Assert.Contains("needs --signing-key-file and --jwt-subject", missingOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_naming_a_connection_neither_declared_nor_stored_exits_two_naming_it()
    {
        await AddAsync("crm", "contacts:read");
        var job = Path.Combine(_directory, "job.json");
        await File.WriteAllTextAsync(job, JobNamingStoredConnections());

        var (exit, output) = await CliProcess.RunAsync(["sync", "--config", job], Environment);

        Assert.True(exit == 2, output);
        Assert.Contains("$.job.destination.connection: there is no connection 'sell' in $.connections (declared: none), nor in the store", output, StringComparison.Ordinal);
        Assert.Contains("(it holds: crm)", output, StringComparison.Ordinal);
        Assert.Equal(0, _simulator.GetStats().TokenRequests);
    }

    [Fact]
    public async Task A_job_file_declaring_a_connection_added_to_the_store_is_refused_rather_than_wiping_its_settings()
    {
        await AddAsync("crm", "contacts:read");
        var job = JsonNode.Parse(JobNamingStoredConnections("crm", "crm"))!.AsObject();
        job["connections"] = new JsonObject
        {
            ["crm"] = new JsonObject { ["tokenEndpoint"] = _simulator.TokenEndpoint.ToString(), ["clientId"] = "another-client", ["clientSecret"] = "x" },
        };
        var path = Path.Combine(_directory, "job.json");
        await File.WriteAllTextAsync(path, job.ToJsonString());

        var (exit, output) = await CliProcess.RunAsync(["sync", "--config", path], Environment);

        Assert.True(exit == 2, output);
        Assert.Contains("already keeps connection 'crm' as added with tokenkeeper connections add", output, StringComparison.Ordinal);
        var (_, show) = await CliProcess.RunAsync(["connections", "show", "crm", "--store", StorePath, "--json"], Environment);
        Assert.Contains("\"client_id\": \"demo-client\"", show, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_with_another_state_is_refused_and_ignored_then_the_real_one_connects()
    {
        await AddAsync("crm", "contacts:read");
        using var connect = StartConnect("crm");
        var location = await ApproveAsync(await AuthorizeUrlAsync(connect));
        var forged = location.Replace("state=", "state=forged", StringComparison.Ordinal);

        var page = WebUtility.HtmlDecode(await FetchAsync(forged));
        var stillWaiting = !connect.HasExited;
        var real = WebUtility.HtmlDecode(await FetchAsync(location));
        await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Contains("state does not match", page, StringComparison.Ordinal);
        Assert.True(stillWaiting, connect.Output);
        Assert.Contains("is connected", real, StringComparison.Ordinal);
        Assert.True(connect.ExitCode == 0, connect.Output);
    }

    [Fact]
    public async Task Only_redirects_with_another_state_until_the_timeout_end_refused_with_exit_three_and_store_nothing()
    {
        await AddAsync("crm", "contacts:read");
        using var connect = CliProcess.Start(["connect", "crm", "--store", StorePath, "--no-browser", "--json", "--timeout", "4s"], Environment);
        var location = await ApproveAsync(await AuthorizeUrlAsync(connect));
        var forged = location.Replace("state=", "state=forged", StringComparison.Ordinal);

        var page = WebUtility.HtmlDecode(await FetchAsync(forged));
        await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(connect.ExitCode == 3, connect.Output);
        Assert.Contains("state does not match", connect.Output, StringComparison.Ordinal);
        Assert.Contains("state does not match", page, StringComparison.Ordinal);
        Assert.Equal("PendingAuthorization", await StateAsync("crm"));
        Assert.Equal(0, _simulator.GetStats().TokenRequests); // the code was never exchanged
    }

    [Fact]
    public async Task Access_denied_exits_three_and_stores_nothing()
    {
        await AddAsync("crm", "contacts:read");
        _simulator.Options.ConsentDenied = true;
        using var connect = StartConnect("crm");

        await FollowAsync(await AuthorizeUrlAsync(connect));
        await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(connect.ExitCode == 3, connect.Output);
        Assert.Contains("access was declined", connect.Output, StringComparison.Ordinal);
        Assert.Contains("access_denied", connect.Output, StringComparison.Ordinal);
        Assert.Equal("PendingAuthorization", await StateAsync("crm"));
    }

    [Fact]
    public async Task A_grant_without_a_refresh_token_is_refused_with_exit_three_saying_what_to_ask_for_and_stores_nothing()
    {
        _simulator.Options.OfflineAccessRequired = true; // like an OpenID Connect provider
        await AddAsync("crm", "contacts:read");
        using var connect = StartConnect("crm");

        await FollowAsync(await AuthorizeUrlAsync(connect));
        await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(connect.ExitCode == 3, connect.Output);
        Assert.Contains("returned no refresh token", connect.Output, StringComparison.Ordinal);
        Assert.Contains("offline_access", connect.Output, StringComparison.Ordinal);
        Assert.Equal("PendingAuthorization", await StateAsync("crm"));
    }

    [Fact]
    public async Task An_openid_connection_asks_for_offline_access_and_consent_and_gets_its_refresh_token()
    {
        _simulator.Options.OfflineAccessRequired = true;
        await AddAsync("crm", "openid contacts:read");
        using var connect = StartConnect("crm");

        var url = await AuthorizeUrlAsync(connect);
        await FollowAsync(url);
        await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Contains("scope=openid%20contacts%3Aread%20offline_access", url, StringComparison.Ordinal);
        Assert.Contains("prompt=consent", url, StringComparison.Ordinal);
        Assert.True(connect.ExitCode == 0, connect.Output);
        Assert.Equal("Active", await StateAsync("crm"));
    }

    [Fact]
    public async Task A_code_the_provider_refuses_to_exchange_exits_three_and_stores_nothing()
    {
        await AddAsync("crm", "contacts:read");
        using var connect = StartConnect("crm");
        var location = await ApproveAsync(await AuthorizeUrlAsync(connect));
        var tampered = System.Text.RegularExpressions.Regex.Replace(location, "code=[^&]+", "code=not-the-code");

        await FetchAsync(tampered);
        await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(connect.ExitCode == 3, connect.Output);
        Assert.Contains("the code exchange failed (invalid_grant)", connect.Output, StringComparison.Ordinal);
        Assert.Equal("PendingAuthorization", await StateAsync("crm"));
    }

    [Fact]
    public async Task A_redirect_replayed_after_the_connection_is_made_changes_nothing()
    {
        await AddAsync("crm", "contacts:read");
        using var connect = StartConnect("crm");
        var location = await ApproveAsync(await AuthorizeUrlAsync(connect));
        await FetchAsync(location);
        await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(connect.ExitCode == 0, connect.Output);
        var (_, before) = await CliProcess.RunAsync(["connections", "show", "crm", "--store", StorePath, "--json"], Environment);

        var replay = await Record.ExceptionAsync(() => FetchAsync(location)); // nobody listens any more

        var (_, after) = await CliProcess.RunAsync(["connections", "show", "crm", "--store", StorePath, "--json"], Environment);
        Assert.IsAssignableFrom<HttpRequestException>(replay);
        Assert.Equal(JsonNode.Parse(before)!["refresh_token"]!.ToJsonString(), JsonNode.Parse(after)!["refresh_token"]!.ToJsonString());
        Assert.Equal(1, _simulator.GetStats().TokensIssued["authorization_code"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/.well-known/oauth-authorization-server")]
    public async Task Add_with_discovery_fills_in_the_endpoints_and_the_connection_connects(string document)
    {
        var (exit, output) = await CliProcess.RunAsync(
            [
                "connections", "add", "crm", "--store", StorePath, "--json", "--discovery", _simulator.BaseAddress.ToString().TrimEnd('/') + document,
                "--client-id", SimulatorDefaults.ClientId, "--client-secret-env", "CRM_SECRET", "--scopes", "contacts:read", "--redirect-uri", SimulatorDefaults.RedirectUri,
            ],
            Environment);
        Assert.True(exit == 0, output);

        await ConnectAsync("crm");

        var (_, show) = await CliProcess.RunAsync(["connections", "show", "crm", "--store", StorePath, "--json"], Environment);
        Assert.Equal(_simulator.TokenEndpoint.ToString(), (string?)JsonNode.Parse(show)!["token_endpoint"]);
        Assert.Equal("Active", await StateAsync("crm"));
    }

    [Fact]
    public async Task A_redirect_port_already_taken_exits_two_before_anything_is_sent()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await AddAsync("crm", "contacts:read", $"http://127.0.0.1:{port}/callback");

        var (exit, output) = await CliProcess.RunAsync(["connect", "crm", "--store", StorePath, "--no-browser"], Environment);

        Assert.True(exit == 2, output);
        Assert.Contains($"Cannot listen on http://127.0.0.1:{port}", output, StringComparison.Ordinal);
        Assert.Equal("PendingAuthorization", await StateAsync("crm"));
    }

    [Fact]
    public async Task Nobody_completing_the_authorisation_times_out_with_exit_four()
    {
        await AddAsync("crm", "contacts:read");

        var (exit, output) = await CliProcess.RunAsync(["connect", "crm", "--store", StorePath, "--no-browser", "--timeout", "2s"], Environment);

        Assert.True(exit == 4, output);
        Assert.Contains("nobody completed the authorisation within 2", output, StringComparison.Ordinal);
        Assert.Equal("PendingAuthorization", await StateAsync("crm"));
    }

    [Fact]
    public async Task Paste_completes_with_the_redirect_url_typed_back()
    {
        await AddAsync("crm", "contacts:read contacts:write");
        using var connect = CliProcess.Start(["connect", "crm", "--store", StorePath, "--paste", "--json"], Environment, input: true);
        var location = await ApproveAsync(await AuthorizeUrlAsync(connect));

        await connect.WriteLineAsync(location);
        await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(connect.ExitCode == 0, connect.Output);
        Assert.Equal("Active", await StateAsync("crm"));
        await AssertSyncByIdAsync("crm");
    }

    /// <summary>A sync whose job file names <paramref name="id"/> (for its source and its destination) and declares nothing.</summary>
    private async Task AssertSyncByIdAsync(string id)
    {
        var job = Path.Combine(_directory, $"{id}-job.json");
        await File.WriteAllTextAsync(job, JobNamingStoredConnections(id, id));
        var (exit, output) = await CliProcess.RunAsync(["sync", "--config", job, "--json"], Environment);
        Assert.True(exit == 0, output);
        Assert.Equal(Contacts, _simulator.GetStats().ContactsStoredDistinct);
    }

    [Fact]
    public async Task Reconnecting_a_revoked_connection_brings_it_back_with_its_id_and_history()
    {
        await AddAsync("crm", "contacts:read");
        using (var first = StartConnect("crm"))
        {
            await FollowAsync(await AuthorizeUrlAsync(first));
            await first.WaitForExitAsync(TimeSpan.FromMinutes(1));
            Assert.True(first.ExitCode == 0, first.Output);
        }

        Assert.Equal(1, _simulator.RevokeGrantsOf(_simulator.Options.TestUser));
        await ForceRefreshAsync("crm");
        Assert.Equal("ReconnectRequired", await StateAsync("crm"));

        using var again = StartConnect("crm");
        await FollowAsync(await AuthorizeUrlAsync(again));
        await again.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(again.ExitCode == 0, again.Output);
        var result = LastJson(again);
        Assert.Equal(("Active", "ReconnectRequired", "revoked"), ((string?)result["state"], (string?)result["previous_state"], (string?)result["previous_reason"]));
        var (_, show) = await CliProcess.RunAsync(["connections", "show", "crm", "--store", StorePath, "--json"], Environment);
        var history = JsonNode.Parse(show)!["history"]!.AsArray().Select(h => (string?)h!["to"]).ToList();
        Assert.Equal(["Active", "ReconnectRequired", "Active"], history); // registered PendingAuthorization, then each change
        var events = JsonNode.Parse(show)!["recent_events"]!.AsArray();
        var alert = Assert.Single(events, e => (string?)e!["type"] == "reconnect_required")!;
        Assert.Equal("credential", (string?)alert["cause"]);
        var recovered = Assert.Single(events, e => (string?)e!["type"] == "recovered")!; // the alert that paged someone can close itself
        Assert.Equal(("credential", "authorized", "ReconnectRequired"), ((string?)recovered["cause"], (string?)recovered["reason"], (string?)recovered["data"]!["from"]));
        Assert.True(long.Parse((string)recovered["data"]!["unhealthy_for_seconds"]!, System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.True(DateTimeOffset.Parse((string)recovered["occurred_at"]!, System.Globalization.CultureInfo.InvariantCulture) >= DateTimeOffset.Parse((string)alert["occurred_at"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Remove_revokes_the_grant_at_the_provider_then_removes_the_connection()
    {
        await AddAsync("crm", "contacts:read", revocationEndpoint: new Uri(_simulator.BaseAddress, "oauth/revoke").ToString());
        await ConnectAsync("crm");

        var (exit, output) = await CliProcess.RunAsync(["connections", "remove", "crm", "--store", StorePath], Environment);

        Assert.True(exit == 0, output);
        Assert.Contains("Connection 'crm' removed with its secrets; its grant: revoked at", output, StringComparison.Ordinal);
        Assert.Equal(1, _simulator.GetStats().GrantsRevoked);
        var (_, list) = await CliProcess.RunAsync(["connections", "list", "--store", StorePath, "--json"], Environment);
        Assert.Empty(JsonNode.Parse(list)!["connections"]!.AsArray());
    }

    [Fact]
    public async Task Remove_with_an_unreachable_revocation_endpoint_leaves_the_connection_and_keep_grant_removes_it()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var endpoint = $"http://127.0.0.1:{((IPEndPoint)closed.LocalEndpoint).Port}/oauth/revoke";
        closed.Stop();
        await AddAsync("crm", "contacts:read", revocationEndpoint: endpoint);
        await ConnectAsync("crm");

        var (refused, refusedOutput) = await CliProcess.RunAsync(["connections", "remove", "crm", "--store", StorePath], Environment);
        var stillThere = await StateAsync("crm");
        var (kept, keptOutput) = await CliProcess.RunAsync(["connections", "remove", "crm", "--store", StorePath, "--keep-grant", "--json"], Environment);

        Assert.True(refused == 4, refusedOutput);
        Assert.Contains("could not be reached to revoke its grant", refusedOutput, StringComparison.Ordinal);
        Assert.Contains("left in place", refusedOutput, StringComparison.Ordinal);
        Assert.Equal("Active", stillThere);
        Assert.True(kept == 0, keptOutput);
        Assert.Equal((true, false), ((bool)JsonNode.Parse(keptOutput)!["removed"]!, (bool)JsonNode.Parse(keptOutput)!["revoked"]!));
        Assert.Equal(0, _simulator.GetStats().GrantsRevoked);
    }

    private async Task ConnectAsync(string id)
    {
        using var connect = StartConnect(id);
        await FollowAsync(await AuthorizeUrlAsync(connect));
        await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(connect.ExitCode == 0, connect.Output);
    }

    private CliProcess StartConnect(string id) => CliProcess.Start(["connect", id, "--store", StorePath, "--no-browser", "--json"], Environment);

    [Theory]
    [InlineData(true, 0, "Active")]
    [InlineData(false, 3, "PendingAuthorization")]
    public async Task Device_prints_the_code_polls_and_ends_as_the_person_decides(bool approve, int exitCode, string state)
    {
        _simulator.Options.DevicePollInterval = TimeSpan.FromSeconds(1);
        await AddAsync("tv", "contacts:read contacts:write", extra: ["--grant", "device_code", "--device-endpoint", new Uri(_simulator.BaseAddress, "oauth/device_authorization").ToString()]);
        using var connect = CliProcess.Start(["connect", "tv", "--store", StorePath, "--device", "--json"], Environment);
        await Waits.UntilAsync(() => connect.StandardOutput.Contains('\n') || connect.HasExited, () => "the user code: " + connect.Output);
        var shown = JsonNode.Parse(connect.StandardOutput.Split('\n')[0])!;
        var userCode = (string)shown["user_code"]!;

        Assert.Matches("^[A-Z]{4}-[A-Z]{4}$", userCode);
        Assert.EndsWith("/device", (string)shown["verification_uri"]!, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(2)); // real time: a poll or two while the person has not decided
        if (approve)
        {
            _simulator.ApproveDevice(userCode);
        }
        else
        {
            _simulator.DenyDevice(userCode);
        }

        await connect.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.True(connect.ExitCode == exitCode, connect.Output);
        Assert.Equal(state, await StateAsync("tv"));
        Assert.DoesNotContain("device_code", connect.StandardOutput, StringComparison.Ordinal);
        if (!approve)
        {
            Assert.Contains("access_denied", connect.Output, StringComparison.Ordinal);
            return;
        }

        await AssertSyncByIdAsync("tv");
    }

    private async Task<string> AddAsync(string id, string scope, string redirectUri = SimulatorDefaults.RedirectUri, string? revocationEndpoint = null, string[]? extra = null)
    {
        var (exit, output) = await CliProcess.RunAsync(
            [
                "connections", "add", id, "--store", StorePath, "--json",
                "--token-endpoint", _simulator.TokenEndpoint.ToString(),
                "--authorization-endpoint", new Uri(_simulator.BaseAddress, "oauth/authorize").ToString(),
                "--client-id", SimulatorDefaults.ClientId, "--client-secret-env", "CRM_SECRET",
                "--scopes", scope, "--redirect-uri", redirectUri,
                .. revocationEndpoint is null ? Array.Empty<string>() : ["--revocation-endpoint", revocationEndpoint],
                .. extra ?? [],
            ],
            Environment);
        Assert.True(exit == 0, output);
        return (string)JsonNode.Parse(output)!["state"]!;
    }

    /// <summary>The first line a <c>connect --json</c> prints: the authorization URL.</summary>
    private static async Task<string> AuthorizeUrlAsync(CliProcess connect)
    {
        await Waits.UntilAsync(() => connect.StandardOutput.Contains('\n') || connect.HasExited, () => "the authorization URL: " + connect.Output);
        return (string)JsonNode.Parse(connect.StandardOutput.Split('\n')[0])!["authorize_url"]!;
    }

    /// <summary>What a person's browser does: open the URL, be redirected back (the simulator approves at once).</summary>
    private static async Task<string> FollowAsync(string authorizeUrl) => await FetchAsync(await ApproveAsync(authorizeUrl));

    /// <summary>Opens the authorization URL and returns where the provider redirects the browser.</summary>
    private static async Task<string> ApproveAsync(string authorizeUrl)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.GetAsync(authorizeUrl);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!.ToString();
    }

    private static async Task<string> FetchAsync(string url)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(url);
        return await response.Content.ReadAsStringAsync();
    }

    private static JsonNode LastJson(CliProcess process) => JsonNode.Parse(process.StandardOutput.Trim().Split('\n')[^1])!;

    private async Task<string> StateAsync(string id)
    {
        var (exit, output) = await CliProcess.RunAsync(["connections", "list", "--store", StorePath, "--json"], Environment);
        Assert.True(exit == 0, output);
        return (string)JsonNode.Parse(output)!["connections"]!.AsArray().Single(c => (string?)c!["id"] == id)!["state"]!;
    }

    /// <summary>A lifecycle probe would find the revocation later; a sync finds it now.</summary>
    private async Task ForceRefreshAsync(string id)
    {
        var job = Path.Combine(_directory, "probe.json");
        await File.WriteAllTextAsync(job, JobNamingStoredConnections(id, id));
        var (exit, output) = await CliProcess.RunAsync(["sync", "--config", job], Environment);
        Assert.True(exit == 3, output);
    }

    private string JobNamingStoredConnections(string source = "crm", string destination = "sell") => new JsonObject
    {
        ["store"] = StorePath,
        ["job"] = new JsonObject
        {
            ["id"] = "by-id",
            ["source"] = new JsonObject
            {
                ["connection"] = source,
                ["url"] = new Uri(_simulator.BaseAddress, "api/contacts").ToString(),
                ["itemsField"] = "items",
                ["cursorField"] = "next_cursor",
                ["cursorParam"] = "cursor",
                ["limitParam"] = "limit",
                ["pageSize"] = 100,
            },
            ["destination"] = new JsonObject
            {
                ["connection"] = destination,
                ["url"] = new Uri(_simulator.BaseAddress, "api/contacts/batch").ToString(),
                ["batchSize"] = 100,
            },
        },
    }.ToJsonString();
}
