using Tokenkeeper.Protocol;
using Tokenkeeper.Sync;
using Tokenkeeper.Sync.Configuration;

namespace Tokenkeeper.Tests.Sync.Configuration;

public sealed class JobFileReaderTests
{
    private const string IssueExample = """
        {
          "store": "tokenkeeper.db",
          "connections": {
            "legacy-crm": { "provider": "generic", "tokenEndpoint": "http://127.0.0.1:9300/oauth/token",
                            "clientId": "demo-client", "clientSecret": "${env:CRM_SECRET}",
                            "grant": "refresh_token", "refreshToken": "${env:CRM_REFRESH_TOKEN}",
                            "scope": "contacts:read" },
            "zendesk":    { "provider": "zendesk-sell", "tokenEndpoint": "https://sell.example/oauth2/token", "grant": "client_credentials",
                            "clientId": "sell-client", "clientSecret": "prefix-${env:CRM_SECRET}" }
          },
          "job": {
            "id": "contacts-nightly",
            "source":      { "connection": "legacy-crm", "url": "http://127.0.0.1:9300/api/contacts",
                             "itemsField": "items", "cursorField": "next_cursor", "cursorParam": "cursor",
                             "limitParam": "limit", "pageSize": 500 },
            "destination": { "connection": "zendesk", "url": "http://127.0.0.1:9300/api/contacts/batch",
                             "batchSize": 500, "bodyField": null }
          }
        }
        """;

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["CRM_SECRET"] = "s3cret",
        ["CRM_REFRESH_TOKEN"] = "rt-from-env",
    };

    [Fact]
    public void IssueExample_ReadsConnectionsAndJob_WithEnvironmentSubstitutedAnywhereInAString()
    {
        var file = Parse(IssueExample);

        var crm = file.Connections.Single(c => c.ConnectionId == "legacy-crm");
        var zendesk = file.Connections.Single(c => c.ConnectionId == "zendesk");
        Assert.Equal("s3cret", crm.Registration.ClientSecret!.Value.Value);
        Assert.Equal("rt-from-env", crm.BootstrapRefreshToken!.Value.Value);
        Assert.Equal("prefix-s3cret", zendesk.Registration.ClientSecret!.Value.Value);
        Assert.Equal(OAuthGrantType.ClientCredentials, zendesk.Registration.Grant);
        Assert.Equal("zendesk-sell", zendesk.Registration.Provider);
        Assert.Equal("the environment variable CRM_REFRESH_TOKEN", file.RefreshTokenOrigins["legacy-crm"]);
        Assert.Equal(Path.Combine("/jobs", "tokenkeeper.db"), file.StorePath);
        Assert.Equal("contacts-nightly", file.Job.Id);
        Assert.Equal(PaginationMode.Cursor, file.Job.Source.Pagination);
        Assert.Equal(("next_cursor", "cursor", "limit", 500), (file.Job.Source.CursorField, file.Job.Source.CursorParam, file.Job.Source.LimitParam, file.Job.Source.PageSize));
        Assert.Null(file.Job.Destination.BodyField);
        Assert.Equal(500, file.Job.Destination.BatchSize);
    }

    [Theory]
    [InlineData("\"nextField\": \"links.next\"", PaginationMode.NextUrl)]
    [InlineData("\"pagination\": \"link\"", PaginationMode.LinkHeader)]
    [InlineData("\"cursorField\": \"meta.cursor\", \"cursorParam\": \"after\"", PaginationMode.Cursor)]
    public void Pagination_IsInferredFromTheFieldsGiven_OrStatedOutright(string fields, PaginationMode expected)
    {
        var file = Parse(WithSource(fields));

        Assert.Equal(expected, file.Job.Source.Pagination);
    }

    [Theory]
    [InlineData("", "$.job.source.pagination: is required: say how the next page is found")]
    [InlineData("\"cursorField\": \"next\"", "$.job.source.cursorParam: is required with a cursorField")]
    [InlineData("\"cursorField\": \"c\", \"cursorParam\": \"c\", \"nextField\": \"n\"", "$.job.source.nextField: a source paginates one way")]
    [InlineData("\"pagination\": \"link\", \"nextField\": \"n\"", "$.job.source.nextField: only applies to next pagination")]
    [InlineData("\"pagination\": \"pages\"", "$.job.source.pagination: 'pages' is not one of: cursor, next, link")]
    [InlineData("\"pagination\": \"link\", \"pageSize\": 0", "$.job.source.pageSize: appears twice; give each key once")]
    [InlineData("\"pagination\": \"link\", \"itemsField\": \"data..items\"", "$.job.source.itemsField: 'data..items' is not a field name or dotted path")]
    [InlineData("\"nextField\": \"next\", \"itemsField\": null", "$.job.source.itemsField: null (pages that are bare arrays) needs \"pagination\": \"link\"")]
    public void IncompletePagination_IsAnErrorNamingTheField(string fields, string message)
    {
        var error = Assert.Throws<TokenkeeperConfigurationException>(() => Parse(WithSource(fields)));

        Assert.StartsWith("job.json: " + message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"stores\": \"x.db\",", "job.json: $.stores: unknown key; did you mean 'store'?")]
    [InlineData("\"keyFile\": 7,", "job.json: $.keyFile: must be a string, not the number 7")]
    public void RootMistakes_AreErrorsNamingThePath(string prefix, string message)
    {
        var error = Assert.Throws<TokenkeeperConfigurationException>(() => Parse("{" + prefix + IssueExample.TrimStart()[1..]));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"provider\": \"generic\"", "\"provider\": \"salesforse\"", "$.connections.legacy-crm.provider: unknown provider 'salesforse'. Known providers: generic, salesforce")]
    [InlineData("\"tokenEndpoint\": \"http://127.0.0.1:9300/oauth/token\"", "\"tokenEndpoint\": \"http://crm.example/oauth/token\"", "$.connections.legacy-crm.tokenEndpoint: The token endpoint 'http://crm.example/oauth/token' uses plain http on a non-loopback host")]
    [InlineData("\"grant\": \"client_credentials\",", "\"grant\": \"client_credentials\", \"refreshToken\": \"rt\",", "$.connections.zendesk.refreshToken: only a refresh_token grant takes a refresh token")]
    [InlineData("\"grant\": \"refresh_token\"", "\"grant\": \"password\"", "$.connections.legacy-crm.grant: 'password' is not one of: refresh_token, client_credentials, jwt_bearer")]
    [InlineData("\"clientId\": \"demo-client\",", "", "$.connections.legacy-crm.clientId: is required")]
    [InlineData("\"id\": \"contacts-nightly\"", "\"id\": \"contacts nightly\"", "$.job.id: 'contacts nightly' must be 1 to 128 letters, digits")]
    [InlineData("\"batchSize\": 500", "\"batchSize\": \"250\"", null)]
    [InlineData("\"pageSize\": 500", "\"pageSize\": \"lots\"", "$.job.source.pageSize: must be a whole number from 1 to 10000, not 'lots'")]
    [InlineData("\"pageSize\": 500", "\"pageSize\": 0", "$.job.source.pageSize: must be a whole number from 1 to 10000, not 0")]
    [InlineData("\"zendesk\":    {", "\"zendesk\": [], \"zendesk-2\": {", "$.connections.zendesk: must be a JSON object, not an array")]
    public void FieldMistakes_AreErrorsNamingThePath(string original, string replacement, string? message)
    {
        var text = IssueExample.Replace(original, replacement, StringComparison.Ordinal);
        Assert.NotEqual(IssueExample, text);

        if (message is null)
        {
            Assert.Equal(250, Parse(text).Job.Destination.BatchSize);
            return;
        }

        var error = Assert.Throws<TokenkeeperConfigurationException>(() => Parse(text));
        Assert.StartsWith("job.json: " + message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEnvironmentVariableSetToNothing_IsAnErrorSayingSo()
    {
        var error = Assert.Throws<TokenkeeperConfigurationException>(() =>
            JobFileReader.Parse(IssueExample, "/jobs/job.json", "/jobs", name => name == "CRM_SECRET" ? "" : Environment.GetValueOrDefault(name)));

        Assert.StartsWith("job.json: $.connections.legacy-crm.clientSecret: is empty (the environment variable CRM_SECRET is set to nothing)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMalformedReference_IsAnErrorQuotingIt()
    {
        var error = Assert.Throws<TokenkeeperConfigurationException>(() => Parse(IssueExample.Replace("${env:CRM_SECRET}\"", "${env:CRM-SECRET}\"", StringComparison.Ordinal)));

        Assert.Contains("'${env:CRM-SECRET}' is not a valid environment variable reference", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidJson_IsAnErrorWithLineAndColumn()
    {
        var error = Assert.Throws<TokenkeeperConfigurationException>(() => Parse("{\n  \"store\": \"a.db\"\n  \"job\": {}\n}"));

        Assert.StartsWith("job.json: line 3, column 3: not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CommentsAndTrailingCommas_AreAllowed()
    {
        var file = Parse(IssueExample.Replace("\"store\": \"tokenkeeper.db\",", "// where the tokens live\n  \"store\": \"tokenkeeper.db\",", StringComparison.Ordinal)
            .Replace("\"bodyField\": null }", "\"bodyField\": null, }", StringComparison.Ordinal));

        Assert.Equal("contacts-nightly", file.Job.Id);
    }

    private static JobFile Parse(string json) => JobFileReader.Parse(json, "/jobs/job.json", "/jobs", name => Environment.GetValueOrDefault(name));

    private static string WithSource(string fields) => IssueExample.Replace(
        "\"itemsField\": \"items\", \"cursorField\": \"next_cursor\", \"cursorParam\": \"cursor\",",
        fields.Length == 0 ? "" : fields + ",",
        StringComparison.Ordinal);
}
