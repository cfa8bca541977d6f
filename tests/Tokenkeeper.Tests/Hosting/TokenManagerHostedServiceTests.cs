using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tokenkeeper.Hosting;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Hosting;

/// <summary>A host that stops while a refresh is at the provider: its deadline does not cut the refresh short.</summary>
public sealed class TokenManagerHostedServiceTests
{
    private const string Id = ManagerFixture.ConnectionId;

    [Fact]
    public void AddTokenkeeper_RegistersTheHostedServiceThatStopsTheManager()
    {
        var services = new ServiceCollection();
        services.AddTokenkeeper().UseInMemoryStore();

        Assert.Contains(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(TokenManagerHostedService));
    }

    [Fact]
    public async Task StoppingTheHost_PastItsDeadline_StillWaitsForTheRefreshAtTheProvider_AndCommitsIt()
    {
        await using var f = new ManagerFixture();
        f.Provider.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var caller = f.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => f.Provider.Active == 1);
        using var deadlinePassed = new CancellationTokenSource();
        await deadlinePassed.CancelAsync();

        var stopping = new TokenManagerHostedService(f.Manager).StopAsync(deadlinePassed.Token);
        await Waits.UntilAsync(() => f.Logs.Lines.Any(l => l.Contains("shutdown deadline passed", StringComparison.Ordinal)), "the host's deadline to be logged");
        var waited = !stopping.IsCompleted;
        f.Provider.Gate.SetResult();
        await stopping.WaitAsync(ManagerFixture.DriveLimit);

        Assert.True(waited, "the host's deadline cut the refresh short");
        var token = await caller;
        var record = await f.RecordAsync();
        Assert.Equal(token.Token, record.Tokens!.AccessToken);
        Assert.Null(record.PendingRefresh);
    }
}
