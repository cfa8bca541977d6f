using System.Runtime.InteropServices;

namespace Tokenkeeper.Simulator;

/// <summary>
/// The simulator's command line, shared by <c>dotnet run --project src/Tokenkeeper.Simulator</c> and
/// <c>tokenkeeper simulate</c> (which forwards its raw arguments here), so flags parse identically.
/// </summary>
public static class SimulatorCommandLine
{
    /// <summary>The usage text printed by <c>--help</c>.</summary>
    public static string Usage => UsageText.Text;

    /// <summary>Parses the flags into options: the <c>--personality</c> preset, then <c>--config</c>, then the other flags.</summary>
    /// <exception cref="SimulatorUsageException">An unknown flag, a bad value, or a bad config file; the message says which.</exception>
    public static SimulatorOptions Parse(string[] args) => CommandLineParser.Parse(args).Options;

    /// <summary>Parses the flags, including <c>--port</c>, <c>--log-level</c> and <c>--help</c>.</summary>
    /// <exception cref="SimulatorUsageException">An unknown flag, a bad value, or a bad config file; the message says which.</exception>
    public static SimulatorInvocation ParseInvocation(string[] args) => CommandLineParser.Parse(args);

    /// <summary>
    /// Parses the flags, starts the simulator on <c>--port</c> (default 9300), prints the base URL and the dials, and
    /// runs until Ctrl+C, SIGTERM or <paramref name="ct"/>.
    /// </summary>
    /// <returns>0 after a clean stop or <c>--help</c>; 2 for a usage error; 1 when the server cannot start.</returns>
    public static async Task<int> RunAsync(string[] args, CancellationToken ct = default)
    {
        SimulatorInvocation invocation;
        try
        {
            invocation = CommandLineParser.Parse(args);
        }
        catch (SimulatorUsageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}{Environment.NewLine}Run with --help for the flags.");
            return 2;
        }

        if (invocation.ShowHelp)
        {
            await Console.Out.WriteLineAsync(UsageText.Text);
            return 0;
        }

        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(invocation.LogLevel)
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss.fff ";
                console.UseUtcTimestamp = true;
            }));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        void OnCancelKey(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            stop.Cancel();
        }

        Console.CancelKeyPress += OnCancelKey;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            return await RunServerAsync(invocation, loggerFactory, stop.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKey;
        }
    }

    private static async Task<int> RunServerAsync(SimulatorInvocation invocation, ILoggerFactory loggerFactory, CancellationToken stop)
    {
        SimulatorServer server;
        try
        {
            server = await SimulatorServer.StartAsync(invocation.Options, port: invocation.Port, loggerFactory: loggerFactory, ct: stop);
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"error: cannot listen on 127.0.0.1:{invocation.Port}: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }

        await using (server)
        {
            await Console.Out.WriteLineAsync(Banner(server, invocation));
            try
            {
                await Task.Delay(Timeout.Infinite, stop);
            }
            catch (OperationCanceledException)
            {
                await Console.Out.WriteLineAsync("stopping simulator");
            }
        }

        return 0;
    }

    private static string Banner(SimulatorServer server, SimulatorInvocation invocation) =>
        $"""
        Tokenkeeper simulator listening on {server.BaseAddress}
          token endpoint  {server.TokenEndpoint}
          discovery       {server.BaseAddress}.well-known/oauth-authorization-server
          default client  {SimulatorDefaults.ClientId} / {SimulatorDefaults.ClientSecret}{(invocation.ConfigPath is null ? string.Empty : $" (plus clients from {invocation.ConfigPath})")}
        dials (change at runtime with POST /sim/dials):
        {Dials.Describe(server.Options)}
        Ctrl+C stops.
        """;
}
