using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tokenkeeper.Benchmarks.Simulator;

/// <summary>
/// Start-up to first served token: launches the standalone simulator (<c>Tokenkeeper.Simulator.dll</c>, copied
/// beside this benchmark) as a fresh process and polls its token endpoint until a client-credentials token comes
/// back. Includes process start, runtime start, JIT and Kestrel binding.
/// </summary>
internal static class ColdStart
{
    public static async Task<TimeSpan> MeasureAsync()
    {
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "Tokenkeeper.Simulator.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "warning"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the simulator");
        var last = "nothing";
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/oauth/token") 
                    {
                        Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
                    };
                    request.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("demo-client:demo-secret")));
                    using var response = await client.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return clock.Elapsed;
                    }

                    last = $"HTTP {(int)response.StatusCode}";
                }
                catch (HttpRequestException e)
                {
                    last = e.Message;
                }

                await Task.Delay(5);
            }

            throw new TimeoutException($"the simulator served no token within 30 s; last: {last}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
