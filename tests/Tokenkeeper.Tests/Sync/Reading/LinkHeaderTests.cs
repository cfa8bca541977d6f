using Tokenkeeper.Sync.Reading;

namespace Tokenkeeper.Tests.Sync.Reading;

public sealed class LinkHeaderTests
{
    [Theory]
    [InlineData("<https://api.example/items?page=3>; rel=\"next\"", "https://api.example/items?page=3")]
    [InlineData("<https://api.example/items?page=1>; rel=\"prev\", <https://api.example/items?page=3>; rel=\"next\", <https://api.example/items?page=9>; rel=\"last\"", "https://api.example/items?page=3")]
    [InlineData("<https://a.example/x>; title=\"a, b; c\"; rel=prev, </items?page=2>; rel=\"next last\"", "/items?page=2")]
    [InlineData("<https://api.example/items?page=9>; REL=\"Next\"", "https://api.example/items?page=9")]
    [InlineData("<https://api.example/items?page=1>; rel=\"prev\"", null)]
    [InlineData("garbage", null)]
    public void FindNext_ReturnsTheTargetOfTheNextRelation(string header, string? expected)
    {
        Assert.Equal(expected, LinkHeader.FindNext([header]));
    }
}
