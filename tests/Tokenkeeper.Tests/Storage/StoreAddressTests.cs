using Tokenkeeper.Storage;

namespace Tokenkeeper.Tests.Storage;

/// <summary>A store is a file path; anything URL-shaped is refused before it could become one.</summary>
public sealed class StoreAddressTests
{
    [Theory]
    [InlineData("postgres://admin:pw@db.example/tokens", "postgres")]
    [InlineData("postgresql://db.example:5432/tokens", "postgresql")]
    [InlineData("Postgres://db", "postgres")]
    [InlineData("file:///var/lib/tokenkeeper/store.db", "file")]
    [InlineData("sqlite+aiosqlite://x", "sqlite+aiosqlite")]
    public void A_url_is_recognised_by_its_scheme(string value, string scheme) =>
        Assert.Equal(scheme, StoreAddress.SchemeOf(value));

    [Theory]
    [InlineData("tokenkeeper.db")]
    [InlineData("/var/lib/tokenkeeper/store.db")]
    [InlineData(@"C:\data\tokenkeeper.db")]
    [InlineData("./weird:name/store.db")]
    [InlineData("://nothing-before")]
    [InlineData("1abc://not-a-scheme")]
    [InlineData("data/a b://c.db")]
    public void A_path_is_not_a_url(string value) => Assert.Null(StoreAddress.SchemeOf(value));

    [Fact]
    public void The_refusal_names_where_the_store_was_given_and_its_scheme_but_not_the_rest_of_the_url()
    {
        var error = Assert.Throws<TokenkeeperConfigurationException>(() => StoreAddress.EnsureFilePath("postgres://admin:pw-123@db/t", "--store"));

        Assert.StartsWith("--store is a postgres:// URL", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-123", error.Message, StringComparison.Ordinal);
    }
}
