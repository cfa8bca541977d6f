using Tokenkeeper.Cli.Infrastructure;

namespace Tokenkeeper.Tests.Cli.Infrastructure;

/// <summary>Which columns of a table stay in a narrow terminal: whole columns, by priority, shown in their own order.</summary>
public sealed class ColumnFitTests
{
    // Three columns of 10, 20 and 5 characters: each takes its width plus 3 (padding and border), plus 1 for the last border.
    private static readonly int[] Widths = [10, 20, 5];

    [Fact]
    public void EverythingFits_KeepsEveryColumn()
    {
        Assert.Equal([0, 1, 2], ColumnFit.Fit(Widths, [0, 2, 1], available: 13 + 23 + 8 + 1));
    }

    [Fact]
    public void OneColumnTooMany_LeavesOutTheLeastImportantThatDoesNotFit_AndKeepsTheOrder()
    {
        Assert.Equal([0, 2], ColumnFit.Fit(Widths, [0, 2, 1], available: 13 + 23 + 8));
    }

    [Fact]
    public void ALaterSmallerColumn_StillFitsAfterABigOneWasLeftOut()
    {
        Assert.Equal([0, 2], ColumnFit.Fit(Widths, [0, 1, 2], available: 13 + 8 + 1));
    }

    [Fact]
    public void TheFirstColumnByPriority_IsKeptEvenWhenNothingFits()
    {
        Assert.Equal([1], ColumnFit.Fit(Widths, [1, 0, 2], available: 5));
    }

    [Fact]
    public void NaturalWidths_AreTheLongerOfTheHeaderAndTheLongestCell()
    {
        Assert.Equal([2, 9], ColumnFit.NaturalWidths(["id", "state"], [["a", "Active"], ["b", "Suspended"]]));
    }
}
