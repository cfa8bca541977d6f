using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class LoggingTests
{
    [Fact]
    public async Task EveryTokenIssuedOrRefused_LogsOneLineWithAFingerprint_AndNeverATokenOrSecret()
    {
        var sink = new CollectingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(sink).SetMinimumLevel(LogLevel.Debug));
        await using var sim = await SimHarness.StartAsync(_ => { }, factory);

        var grant = await sim.GrantAsync();
        var refreshed = await sim.RefreshAsync(grant.RefreshToken!);
        await sim.RefreshAsync(grant.RefreshToken!);
        var cc = await sim.ClientCredentialsAsync();
        await sim.TokenWithAsync(SimHarness.Basic(SimHarness.ClientId, "wrong-secret-value"), ("grant_type", "client_credentials"));

        var lines = sink.Messages.ToArray();
        Assert.Equal(3, lines.Count(l => l.Contains("token issued", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l.Contains("token refused", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("grant_type=refresh_token", StringComparison.Ordinal) && l.Contains($"grant={grant.GrantId}", StringComparison.Ordinal)
            && l.Contains("outcome=invalid_grant", StringComparison.Ordinal) && l.Contains("presented=" + Fingerprint(grant.RefreshToken!), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("access=" + Fingerprint(cc["access_token"]!), StringComparison.Ordinal));
        foreach (var secret in new[] { grant.AccessToken, grant.RefreshToken!, refreshed["access_token"]!, refreshed["refresh_token"]!, cc["access_token"]!, SimHarness.ClientSecret, "wrong-secret-value" })
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AspNetCoreInformationLogs_AreFilteredOut()
    {
        var sink = new CollectingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(sink).SetMinimumLevel(LogLevel.Trace));
        await using var sim = await SimHarness.StartAsync(_ => { }, factory);

        await sim.ClientCredentialsAsync();

        Assert.DoesNotContain(sink.Categories, c => c.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && sink.LevelOf(c) < LogLevel.Warning);
    }

    private static string Fingerprint(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..8];

    private sealed class CollectingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentDictionary<string, LogLevel> _lowest = new();

        public ConcurrentQueue<string> Messages { get; } = new();

        public IEnumerable<string> Categories => _lowest.Keys;

        public LogLevel LevelOf(string category) => _lowest[category];

        public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Collector(CollectingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                owner._lowest.AddOrUpdate(category, logLevel, (_, old) => old < logLevel ? old : logLevel);
                owner.Messages.Enqueue(formatter(state, exception));
            }
        }
    }
}
