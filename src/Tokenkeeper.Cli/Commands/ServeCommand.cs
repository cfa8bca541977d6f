using System.CommandLine;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Broker;
using Tokenkeeper.Broker.Hosting;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Cli.Commands;

/// <summary><c>tokenkeeper serve --store S [--urls URL]</c>: the token service in the foreground until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var store = new StoreOptions();
        var urls = new Option<string>("--urls") { Description = $"Where to listen (default {BrokerConstants.DefaultUrls}; semicolon-separated).", DefaultValueFactory = _ => BrokerConstants.DefaultUrls };
        var proxies = new Option<string[]>("--trusted-proxy") { Description = "A reverse proxy's address whose X-Forwarded-For names the client (repeatable); from any other address the header is ignored.", Arity = ArgumentArity.ZeroOrMore, HelpName = "IP" };
        var retention = new Option<string?>("--audit-retention") { Description = $"How long the audit keeps entries (default {BrokerConstants.DefaultAuditRetention.TotalDays:0}d), e.g. 30d.", HelpName = "DURATION" };
        var command = new Command("serve", "Run the token service: jobs in any language get a valid token with one HTTP call (docs/service.md).") { urls, proxies, retention };
        store.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            using var loggers = LoggerFactory.Create(b => b
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(LogLevel.Information));
            using var opened = store.OpenExisting(parse);
            using var http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
            await using var manager = new TokenManager(opened, new TokenEndpointClient(http), loggerFactory: loggers);
            var trusted = (parse.GetValue(proxies) ?? []).Select(text => System.Net.IPAddress.TryParse(text, out var address)
                ? address
                : throw new TokenkeeperConfigurationException($"--trusted-proxy '{text}' is not an IP address.")).ToList();
            TimeSpan? keep = null;
            if (parse.GetValue(retention) is { } text)
            {
                keep = DurationArgument.TryParse(text, out var parsed) && parsed > TimeSpan.Zero
                    ? parsed
                    : throw new TokenkeeperConfigurationException($"--audit-retention '{text}' is not a duration like 30d or 12h.");
            }

            await using var app = BrokerApp.Build(manager, opened, parse.GetValue(urls)!, trustedProxies: trusted, auditRetention: keep, configureLogging: logging => logging
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
            await app.StartAsync(cancellationToken);
            foreach (var address in app.Urls)
            {
                Console.Out.WriteLine($"tokenkeeper serve: listening on {address}");
            }

            try
            {
                // Until Ctrl+C or SIGTERM, or the host stops by itself (a background service that failed).
                using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
                await Task.Delay(Timeout.Infinite, either.Token);
            }
            catch (OperationCanceledException)
            {
                // Stop taking requests, then the manager finishes what it sent (rotation safety) and stops.
            }

            await app.StopAsync(CancellationToken.None);
            await manager.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
