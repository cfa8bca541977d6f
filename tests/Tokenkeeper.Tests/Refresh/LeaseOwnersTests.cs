using System.Diagnostics;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Tests.Refresh;

public sealed class LeaseOwnersTests
{
    [Fact]
    public void ThisProcess_IsAlive()
    {
        Assert.False(LeaseOwners.IsDeadLocalProcess(LeaseOwners.ForThisProcess()));
    }

    [Fact]
    public void AProcessThatExited_IsDead()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();

        Assert.True(LeaseOwners.IsDeadLocalProcess($"{Environment.MachineName}:{process.Id}:{LeaseOwners.PidNamespace}:abcd"));
    }

    [Fact]
    public void AProcessThatExited_InAnotherPidNamespace_IsTreatedAsAlive()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();

        Assert.False(LeaseOwners.IsDeadLocalProcess($"{Environment.MachineName}:{process.Id}:1:abcd"));
        Assert.False(LeaseOwners.IsDeadLocalProcess($"{Environment.MachineName}:{process.Id}:abcd"));
    }

    [Theory]
    [InlineData("another-machine:1:4026531836:abcd")]
    [InlineData("not-an-owner")]
    [InlineData("host:pid:x")]
    public void OtherMachinesAndUnknownFormats_AreTreatedAsAlive(string owner)
    {
        Assert.False(LeaseOwners.IsDeadLocalProcess(owner.Replace("host", Environment.MachineName, StringComparison.Ordinal)));
    }
}
