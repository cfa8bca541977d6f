using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.Benchmarks.Simulator;

/// <summary>
/// <c>dotnet run -c Release --project bench/Tokenkeeper.Benchmarks -- simulator [--seconds N] [--workers N]</c>:
/// start-up to first token (fresh process and in-process), token-endpoint and resource-API throughput, with the
/// simulator hosted in this process and an in-process HttpClient load generator on the same cores.
/// </summary>
public static class SimulatorScenario
{
    private const double TokenTarget = 5_000;
    private const double ApiTarget = 20_000;

    private static readonly AuthenticationHeaderValue DemoBasic =
        new("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("demo-client:demo-secret")));

    private static readonly MediaTypeHeaderValue FormType = new("application/x-www-form-urlencoded");
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private static readonly byte[] ClientCredentialsBody = "grant_type=client_credentials"u8.ToArray();

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Option(args, "--seconds", 5);
        var workers = Option(args, "--workers", 32);
        var load = new LoadGenerator(workers, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(seconds));
        Console.WriteLine($"# Simulator scenario: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {workers} workers, {seconds} s per run");

        var cold = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            cold.Add(await ColdStart.MeasureAsync());
        }

        var inProcess = await InProcessStartAsync();
        var bytesPerToken = await MemoryPerTokenAsync();
        Console.WriteLine($"start-up to first token, fresh process: {string.Join(", ", cold.Select(Ms))} (median {Ms(cold.Order().ElementAt(1))})");
        Console.WriteLine($"start-up to first token, in-process StartAsync (first in this process): {Ms(inProcess)}");
        Console.WriteLine($"memory held per issued access token (opaque, client_credentials): {bytesPerToken:N0} bytes");

        var results = new List<LoadResult>();
        var wrk = new List<LoadResult>();
        await using (var server = await SimulatorServer.StartAsync(new SimulatorOptions()))
        {
            var warmToken = await TokenAsync(server.BaseAddress);
            await new LoadGenerator(workers, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1)).RunAsync("warm-up", server.BaseAddress, async (c, w) =>
                w % 2 == 0 ? await ClientCredentialsAsync(c, w) : await GetAsync(c, "api/contacts?limit=10", warmToken));
            results.Add(await load.RunAsync("token: client_credentials", server.BaseAddress, ClientCredentialsAsync));
            results.Add(await RefreshRunAsync(load, server, workers));
            var token = await TokenAsync(server.BaseAddress);
            results.Add(await load.RunAsync("api: GET /api/contacts?limit=10", server.BaseAddress, (c, _) => GetAsync(c, "api/contacts?limit=10", token)));
            results.Add(await load.RunAsync("api: GET /api/contacts?limit=100", server.BaseAddress, (c, _) => GetAsync(c, "api/contacts?limit=100", token)));
            var batch = Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Range(1, 500).Select(i => $$"""{"id":"c-{{i:D6}}","name":"Contact {{i}}","email":"c{{i}}@example.com"}""")) + "]");
            results.Add(await load.RunAsync("api: POST /api/contacts/batch (500 contacts)", server.BaseAddress, (c, _) => PostBatchAsync(c, batch, token)));
            await RunWrkAsync(wrk, server, token, seconds);
        }

        using (var logging = LoggerFactory.Create(b => b.AddProvider(new DiscardingLoggerProvider()).SetMinimumLevel(LogLevel.Information)))
        await using (var logged = await SimulatorServer.StartAsync(new SimulatorOptions(), loggerFactory: logging))
        {
            results.Add(await load.RunAsync("token: client_credentials, Information logging", logged.BaseAddress, ClientCredentialsAsync));
            if (WrkRunner.IsAvailable)
            {
                await WrkRunner.RunAsync("warm-up", logged.TokenEndpoint, workers, TimeSpan.FromSeconds(2), ClientCredentialsScript);
                wrk.Add((await WrkRunner.RunAsync("token: client_credentials, Information logging", logged.TokenEndpoint, workers, TimeSpan.FromSeconds(seconds), ClientCredentialsScript))!);
            }
        }

        Console.WriteLine();
        Console.WriteLine("In-process HttpClient load generator (client and simulator share the 2 cores):");
        Print(results);
        if (wrk.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("wrk (one thread, keep-alive) against the same in-process simulator:");
            Print(wrk);
        }

        var judged = wrk.Count > 0 ? wrk : results;
        var tokenOk = judged.Where(r => r.Name.StartsWith("token", StringComparison.Ordinal)).All(r => r.PerSecond >= TokenTarget);
        var apiOk = judged.Single(r => r.Name.EndsWith("limit=10", StringComparison.Ordinal)).PerSecond >= ApiTarget;
        var startOk = cold.Order().ElementAt(1) < TimeSpan.FromSeconds(1);
        Console.WriteLine();
        Console.WriteLine($"targets: token endpoint >= {TokenTarget:N0}/s {(tokenOk ? "met" : "MISSED")}; " +
            $"API >= {ApiTarget:N0}/s {(apiOk ? "met" : "MISSED")}; start-up < 1 s {(startOk ? "met" : "MISSED")}");
        return tokenOk && apiOk && startOk ? 0 : 1;
    }

    private const string ClientCredentialsScript = """
        wrk.method = "POST"
        wrk.body = "grant_type=client_credentials"
        wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
        wrk.headers["Authorization"] = "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="
        """;

    private static async Task RunWrkAsync(List<LoadResult> wrk, SimulatorServer server, string token, int seconds)
    {
        if (!WrkRunner.IsAvailable)
        {
            return;
        }

        var duration = TimeSpan.FromSeconds(seconds);
        var bearer = "Authorization: Bearer " + token;
        await WrkRunner.RunAsync("warm-up", server.TokenEndpoint, 32, TimeSpan.FromSeconds(2), ClientCredentialsScript);
        wrk.Add((await WrkRunner.RunAsync("token: client_credentials", server.TokenEndpoint, 32, duration, ClientCredentialsScript))!);
        wrk.Add((await WrkRunner.RunAsync("api: GET /api/contacts?limit=10", new Uri(server.BaseAddress, "api/contacts?limit=10"), 32, duration, header: bearer))!);
        wrk.Add((await WrkRunner.RunAsync("api: GET /api/contacts?limit=100", new Uri(server.BaseAddress, "api/contacts?limit=100"), 32, duration, header: bearer))!);
    }

    private static void Print(IEnumerable<LoadResult> results)
    {
        Console.WriteLine("| scenario | connections | requests/s | p50 | p99 | failed |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Workers} | {r.PerSecond:N0} | {Ms(r.P50)} | {Ms(r.P99)} | {r.Failed} |"));
        }
    }

    /// <summary>Managed heap growth per access token the simulator keeps, over 20,000 client-credentials tokens.</summary>
    private static async Task<long> MemoryPerTokenAsync()
    {
        const int tokens = 20_000;
        await using var server = await SimulatorServer.StartAsync(new SimulatorOptions());
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        await ClientCredentialsAsync(client, 0);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < tokens; i++)
        {
            await ClientCredentialsAsync(client, 0);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(server);
        return (after - before) / tokens;
    }

    private static async Task<TimeSpan> InProcessStartAsync()
    {
        var clock = Stopwatch.StartNew();
        await using var server = await SimulatorServer.StartAsync(new SimulatorOptions());
        await TokenAsync(server.BaseAddress);
        return clock.Elapsed;
    }

    private static async Task<LoadResult> RefreshRunAsync(LoadGenerator load, SimulatorServer server, int workers)
    {
        var tokens = new string[workers];
        for (var i = 0; i < workers; i++)
        {
            tokens[i] = (await server.CreateGrantAsync("demo-client", "test-user", string.Empty)).RefreshToken!;
        }

        return await load.RunAsync("token: refresh_token (rotate, one grant per worker)", server.BaseAddress, async (client, worker) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token")
            {
                Content = new FormUrlEncodedContent([new("grant_type", "refresh_token"), new("refresh_token", tokens[worker])]),
            };
            request.Headers.Authorization = DemoBasic;
            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            tokens[worker] = json.RootElement.GetProperty("refresh_token").GetString()!;
            return true;
        });
    }

    private static async Task<bool> ClientCredentialsAsync(HttpClient client, int worker)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token") { Content = new ByteArrayContent(ClientCredentialsBody) };
        request.Content.Headers.ContentType = FormType;
        request.Headers.Authorization = DemoBasic;
        using var response = await client.SendAsync(request);
        await response.Content.CopyToAsync(Stream.Null);
        return response.StatusCode == HttpStatusCode.OK;
    }

    private static async Task<bool> GetAsync(HttpClient client, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        await response.Content.CopyToAsync(Stream.Null);
        return response.StatusCode == HttpStatusCode.OK;
    }

    private static async Task<bool> PostBatchAsync(HttpClient client, byte[] body, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/contacts/batch") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = JsonType;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        await response.Content.CopyToAsync(Stream.Null);
        return response.StatusCode == HttpStatusCode.OK;
    }

    private static async Task<string> TokenAsync(Uri baseAddress)
    {
        using var client = new HttpClient { BaseAddress = baseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token") { Content = new ByteArrayContent(ClientCredentialsBody) };
        request.Content.Headers.ContentType = FormType;
        request.Headers.Authorization = DemoBasic;
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length && int.TryParse(args[index + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
    }

    private static string Ms(TimeSpan time) => time.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
