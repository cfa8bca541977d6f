using System.Text;
using Tokenkeeper.Sync;
using Tokenkeeper.Sync.Reading;
using Tokenkeeper.Sync.Running;

namespace Tokenkeeper.Tests.Sync.Reading;

public sealed class PageParserTests
{
    private static readonly Uri PageUrl = new("https://crm.example/api/contacts?limit=2");

    [Theory]
    [InlineData("\"next_cursor\":\"abc\"", "abc")]
    [InlineData("\"next_cursor\":1200", "1200")]
    [InlineData("\"next_cursor\":null", null)]
    [InlineData("\"next_cursor\":\"\"", null)]
    [InlineData("\"other\":1", null)]
    public void Cursor_AsStringOrNumber_IsTheNextPosition_AndNoneMeansTheLastPage(string member, string? expected)
    {
        var page = Parse(Source(PaginationMode.Cursor), $"{{\"items\":[{{\"id\":1}},{{\"id\":2}}],{member}}}");

        Assert.Equal(expected, page.Next?.Cursor);
        Assert.Equal(["{\"id\":1}", "{\"id\":2}"], page.Items.Select(i => Encoding.UTF8.GetString(i.Span)));
    }

    [Fact]
    public void NextUrl_RelativeToThePage_IsResolved_AndADottedPathFindsIt()
    {
        var source = Source(PaginationMode.NextUrl) with { NextField = "paging.next", ItemsField = "data.results" };

        var page = Parse(source, "{\"data\":{\"results\":[]},\"paging\":{\"next\":\"/api/contacts?after=9\"}}");

        Assert.Equal(new Uri("https://crm.example/api/contacts?after=9"), page.Next?.Url);
    }

    [Fact]
    public void NextUrl_ToAnotherSite_IsRefused_SoTheTokenNeverTravelsThere()
    {
        var error = Assert.Throws<SyncStepException>(() => Parse(Source(PaginationMode.NextUrl), "{\"items\":[],\"next\":\"https://evil.example/steal\"}"));

        Assert.False(error.Retryable);
        Assert.Contains("points to https://evil.example, another site than the source's https://crm.example", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LinkHeader_GivesTheNextPage_AndABareArrayHoldsTheRecords()
    {
        var source = Source(PaginationMode.LinkHeader) with { ItemsField = null };

        var page = new PageParser(source).Parse(Encoding.UTF8.GetBytes("[{\"id\":\"a\"}]"), PageUrl, "?page=2", "GET");

        Assert.Single(page.Items);
        Assert.Equal(new Uri("https://crm.example/api/contacts?page=2"), page.Next?.Url);
    }

    [Fact]
    public void MissingItemsField_IsAPermanentFailure_ListingTheFieldsThePageHas()
    {
        var error = Assert.Throws<SyncStepException>(() => Parse(Source(PaginationMode.Cursor) with { ItemsField = "contacts" }, "{\"items\":[],\"next_cursor\":null,\"total\":0}"));

        Assert.False(error.Retryable);
        Assert.Equal(SyncFailureKind.BadPage, error.Failure.Kind);
        Assert.Equal("GET: the page has no 'contacts' field (itemsField). The page's fields: items, next_cursor, total", error.Message);
    }

    [Theory]
    [InlineData("{\"error\":\"server_error\"}")]
    [InlineData("<html><body>Down for maintenance</body></html>")]
    public void AnErrorOrNonJsonPageWithASuccessStatus_IsWorthAnotherAttempt(string body)
    {
        var error = Assert.Throws<SyncStepException>(() => Parse(Source(PaginationMode.Cursor), body));

        Assert.True(error.Retryable);
    }

    [Fact]
    public void Total_IsReadWhenTheSourceStatesIt()
    {
        var page = Parse(Source(PaginationMode.Cursor) with { TotalField = "meta.total" }, "{\"items\":[],\"meta\":{\"total\":50000}}");

        Assert.Equal(50_000, page.Total);
    }

    private static SyncSource Source(PaginationMode mode) => new()
    {
        ConnectionId = "crm",
        Url = new Uri("https://crm.example/api/contacts"),
        Pagination = mode,
        CursorField = mode == PaginationMode.Cursor ? "next_cursor" : null,
        CursorParam = mode == PaginationMode.Cursor ? "cursor" : null,
        NextField = mode == PaginationMode.NextUrl ? "next" : null,
    };

    private static SourcePage Parse(SyncSource source, string json) => new PageParser(source).Parse(Encoding.UTF8.GetBytes(json), PageUrl, null, "GET");
}
