using System.Buffers.Text;
using System.Text;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Protocol;

/// <summary>Real-world token response shapes (DESIGN.md contract 8, issue 3 item 5): each gives the right expiry or a typed error.</summary>
public sealed class TokenResponseParserTests
{
    private static readonly DateTimeOffset Sent = new(2026, 3, 14, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Received = Sent.AddMilliseconds(400);

    public enum Expect
    {
        Tokens,
        Protocol,
        Transient,
        RateLimited,
        InvalidGrant,
        InvalidClient,
        InvalidRequest,
    }

    public static TheoryData<string, int, string, string?, Expect, double?, ExpirySource?> Shapes() => new()
    {
        // name, status, body, content type, expected outcome, expected lifetime in seconds, expected source
        { "expires_in number (HubSpot 1800)", 200, """{"access_token":"a","token_type":"bearer","expires_in":1800,"refresh_token":"r"}""", "application/json", Expect.Tokens, 1800, ExpirySource.ExpiresIn },
        { "expires_in numeric string", 200, """{"access_token":"a","token_type":"Bearer","expires_in":"3599"}""", "application/json", Expect.Tokens, 3599, ExpirySource.ExpiresIn },
        { "expires_in float", 200, """{"access_token":"a","expires_in":3599.9}""", "application/json", Expect.Tokens, 3599, ExpirySource.ExpiresIn },
        { "expires_in string with spaces", 200, """{"access_token":"a","expires_in":" 600 "}""", "application/json", Expect.Tokens, 600, ExpirySource.ExpiresIn },
        { "expires_in missing, opaque token", 200, """{"access_token":"a","token_type":"Bearer"}""", "application/json", Expect.Tokens, 600, ExpirySource.Default },
        { "expires_in null", 200, """{"access_token":"a","expires_in":null}""", "application/json", Expect.Tokens, 600, ExpirySource.Default },
        { "expires_in empty string", 200, """{"access_token":"a","expires_in":""}""", "application/json", Expect.Tokens, 600, ExpirySource.Default },
        { "expires_in zero means unknown", 200, """{"access_token":"a","expires_in":0}""", "application/json", Expect.Tokens, 600, ExpirySource.Default },
        { "expires_in negative", 200, """{"access_token":"a","expires_in":-5}""", "application/json", Expect.Protocol, null, null },
        { "expires_in non-numeric", 200, """{"access_token":"a","expires_in":"soon"}""", "application/json", Expect.Protocol, null, null },
        { "expires_in boolean", 200, """{"access_token":"a","expires_in":true}""", "application/json", Expect.Protocol, null, null },
        { "expires_in huge is clamped to a year", 200, """{"access_token":"a","expires_in":99999999999999}""", "application/json", Expect.Tokens, 365 * 86400, ExpirySource.ExpiresIn },
        { "JWT exp when expires_in missing", 200, $$"""{"access_token":"{{Jwt(Sent.AddMinutes(45))}}"}""", "application/json", Expect.Tokens, 45 * 60, ExpirySource.JwtExpiry },
        { "expires_in wins over JWT exp", 200, $$"""{"access_token":"{{Jwt(Sent.AddMinutes(45))}}","expires_in":300}""", "application/json", Expect.Tokens, 300, ExpirySource.ExpiresIn },
        { "JWT already expired falls back to default", 200, $$"""{"access_token":"{{Jwt(Sent.AddMinutes(-1))}}"}""", "application/json", Expect.Tokens, 600, ExpirySource.Default },
        { "malformed JWT payload falls back", 200, """{"access_token":"aaa.!!!.bbb"}""", "application/json", Expect.Tokens, 600, ExpirySource.Default },
        { "refresh_token_expires_in", 200, """{"access_token":"a","expires_in":3600,"refresh_token":"r","refresh_token_expires_in":7776000}""", "application/json", Expect.Tokens, 3600, ExpirySource.ExpiresIn },
        { "x_refresh_token_expires_in (QuickBooks)", 200, """{"access_token":"a","expires_in":3600,"refresh_token":"r","x_refresh_token_expires_in":8726400}""", "application/json", Expect.Tokens, 3600, ExpirySource.ExpiresIn },
        { "refresh_token_expires_in negative", 200, """{"access_token":"a","expires_in":3600,"refresh_token_expires_in":-1}""", "application/json", Expect.Protocol, null, null },
        { "no access_token", 200, """{"token_type":"Bearer","expires_in":3600}""", "application/json", Expect.Protocol, null, null },
        { "access_token not a string", 200, """{"access_token":12345,"expires_in":3600}""", "application/json", Expect.Protocol, null, null },
        { "token_type mac refused", 200, """{"access_token":"a","token_type":"mac","expires_in":3600}""", "application/json", Expect.Protocol, null, null },
        { "HTML 200 (proxy login page)", 200, "<html><body>Sign in</body></html>", "text/html", Expect.Protocol, null, null },
        { "truncated JSON", 200, """{"access_token":"a","expires_in":36""", "application/json", Expect.Protocol, null, null },
        { "empty body 200", 200, "", "application/json", Expect.Protocol, null, null },
        { "JSON array body", 200, """[{"access_token":"a"}]""", "application/json", Expect.Protocol, null, null },
        { "error inside a 200", 200, """{"error":"server_error"}""", "application/json", Expect.Transient, null, null },
        { "invalid_grant 400", 400, """{"error":"invalid_grant","error_description":"Token has been expired or revoked."}""", "application/json", Expect.InvalidGrant, null, null },
        { "invalid_client 401", 401, """{"error":"invalid_client"}""", "application/json", Expect.InvalidClient, null, null },
        { "unauthorized_client 400", 400, """{"error":"unauthorized_client"}""", "application/json", Expect.InvalidClient, null, null },
        { "invalid_scope 400", 400, """{"error":"invalid_scope"}""", "application/json", Expect.InvalidRequest, null, null },
        { "temporarily_unavailable 503", 503, """{"error":"temporarily_unavailable"}""", "application/json", Expect.Transient, null, null },
        { "503 HTML from a gateway", 503, "<html>Service Unavailable</html>", "text/html", Expect.Transient, null, null },
        { "500 empty", 500, "", null, Expect.Transient, null, null },
        { "429 with Retry-After", 429, """{"error":"rate_limited"}""", "application/json", Expect.RateLimited, null, null },
        { "slow_down 400", 400, """{"error":"slow_down"}""", "application/json", Expect.RateLimited, null, null },
        { "400 without OAuth error", 400, "Bad Request", "text/plain", Expect.Protocol, null, null },
        { "404 endpoint not found", 404, "<html>Not Found</html>", "text/html", Expect.InvalidRequest, null, null },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Parse_RealWorldShape_GivesExpiryOrTypedFailure(string name, int status, string body, string? contentType, Expect expect, double? lifetimeSeconds, ExpirySource? source)
    {
        var result = Parse(status, body, contentType, ProviderProfiles.Generic);

        if (expect == Expect.Tokens)
        {
            Assert.True(result.IsSuccess, $"{name}: {result}");
            Assert.Equal(lifetimeSeconds!.Value, (result.Tokens.ExpiresAt - Sent).TotalSeconds, 0.001);
            Assert.Equal(source, result.Tokens.ExpirySource);
            Assert.Equal(Sent, result.Tokens.IssuedAt);
        }
        else
        {
            Assert.False(result.IsSuccess, $"{name}: expected a failure");
            Assert.Equal(expect.ToString(), result.Failure.Kind.ToString());
            Assert.False(string.IsNullOrWhiteSpace(result.Failure.Message));
        }
    }

    [Fact]
    public void Parse_Salesforce_NoExpiresIn_UsesIssuedAtPlusSessionTimeout()
    {
        var issuedAt = Sent.AddSeconds(-30).ToUnixTimeMilliseconds();
        var body = $$"""{"access_token":"00D!AQ","instance_url":"https://na1.salesforce.com","id":"https://login.salesforce.com/id/00D/005","token_type":"Bearer","issued_at":"{{issuedAt}}","signature":"abc="}""";

        var result = Parse(200, body, "application/json", ProviderProfiles.Salesforce);

        Assert.True(result.IsSuccess);
        Assert.Equal(ExpirySource.ProviderProfile, result.Tokens.ExpirySource);
        Assert.Equal(Sent.AddSeconds(-30).AddHours(2), result.Tokens.ExpiresAt);
        Assert.Equal("https://na1.salesforce.com", result.Tokens.InstanceUrl);
    }

    [Fact]
    public void Parse_JwtExp_IsCorrectedForServerClockSkew()
    {
        // The server's clock runs 2 minutes ahead: its exp is 2 minutes later than ours would be.
        var serverDate = Received.AddMinutes(2);
        var body = $$"""{"access_token":"{{Jwt(Sent.AddMinutes(2).AddMinutes(30))}}"}""";

        var result = Parse(200, body, "application/json", ProviderProfiles.Generic, serverDate);

        Assert.True(result.IsSuccess);
        Assert.InRange((result.Tokens.ExpiresAt - Sent.AddMinutes(30)).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.NotNull(result.Tokens.ServerClockSkew);
    }

    [Fact]
    public void Parse_ResponseWithoutRefreshToken_KeepsThePreviousOne()
    {
        var previous = new RefreshToken("old-refresh");

        var result = Parse(200, """{"access_token":"a","expires_in":60}""", "application/json", ProviderProfiles.Generic, previous: previous);

        Assert.Equal(previous, result.Tokens!.RefreshToken);
    }

    [Theory]
    [InlineData("""{"access_token":"a","expires_in":"soon","refresh_token":"rotated"}""")]
    [InlineData("""{"access_token":"a","expires_in":3600,"refresh_token_expires_in":-1,"refresh_token":"rotated"}""")]
    [InlineData("""{"access_token":"a","token_type":"mac","refresh_token":"rotated"}""")]
    [InlineData("""{"expires_in":3600,"refresh_token":"rotated"}""")]
    public void Parse_UnusableAnswerThatRotated_FailsTyped_ButCarriesTheNewRefreshToken_AndIsNotRetried(string body)
    {
        var result = Parse(200, body, "application/json", ProviderProfiles.Generic, previous: new RefreshToken("old-refresh"));

        Assert.False(result.IsSuccess);
        Assert.Equal(TokenFailureKind.Protocol, result.Failure.Kind);
        Assert.Equal(new RefreshToken("rotated"), result.RotatedRefreshToken);
        Assert.Contains("new refresh token, which was kept", result.Failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("rotated", result.Failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnusableAnswerRepeatingTheSameRefreshToken_HasNothingToKeep()
    {
        var result = Parse(200, """{"access_token":"a","expires_in":"soon","refresh_token":"old-refresh"}""", "application/json", ProviderProfiles.Generic, previous: new RefreshToken("old-refresh"));

        Assert.False(result.IsSuccess);
        Assert.Null(result.RotatedRefreshToken);
    }

    [Fact]
    public void Parse_RefreshTokenDeadline_CountsFromSend()
    {
        var result = Parse(200, """{"access_token":"a","expires_in":3600,"x_refresh_token_expires_in":8726400}""", "application/json", ProviderProfiles.QuickBooks);

        Assert.Equal(Sent.AddSeconds(8726400), result.Tokens!.RefreshTokenExpiresAt);
    }

    [Fact]
    public void Parse_HubSpotLegacyBadRefreshToken_IsInvalidGrant()
    {
        var result = Parse(400, """{"status":"BAD_REFRESH_TOKEN","message":"missing or invalid refresh token","correlationId":"x"}""", "application/json", ProviderProfiles.HubSpot);

        Assert.Equal(TokenFailureKind.InvalidGrant, result.Failure!.Kind);
        Assert.Equal("invalid_grant", result.Failure.Error);
        Assert.Equal("missing or invalid refresh token", result.Failure.Description);
    }

    [Fact]
    public void Parse_LongErrorDescription_IsTrimmedAndControlCharactersRemoved()
    {
        var description = new string('x', 1000) + "\n";
        var result = Parse(400, $$"""{"error":"invalid_grant","error_description":"{{description.Replace("\n", "\\n", StringComparison.Ordinal)}}"}""", "application/json", ProviderProfiles.Generic);

        Assert.True(result.Failure!.Description!.Length <= TokenEndpointConstants.MaxDescriptionLength + 1);
        Assert.DoesNotContain('\n', result.Failure.Description);
    }

    [Fact]
    public void Parse_TruncatedOr200Html_IsMarkedMaybeProcessed()
    {
        Assert.True(Parse(200, """{"access_tok""", "application/json", ProviderProfiles.Generic).Failure!.MaybeProcessed);
        Assert.True(Parse(200, "<html/>", "text/html", ProviderProfiles.Generic).Failure!.MaybeProcessed);
        Assert.False(Parse(503, "", null, ProviderProfiles.Generic).Failure!.MaybeProcessed);
    }

    private static TokenResult Parse(int status, string body, string? contentType, ProviderProfile profile, DateTimeOffset? serverDate = null, RefreshToken? previous = null)
    {
        var context = new TokenResponseContext(Sent, Received, serverDate, profile, TimeSpan.FromMinutes(10), previous, "scope");
        return TokenResponseParser.Parse(status, contentType, Encoding.UTF8.GetBytes(body), status == 429 ? TimeSpan.FromSeconds(7) : null, false, context);
    }

    private static string Jwt(DateTimeOffset exp)
    {
        static string Segment(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
        return Segment("""{"alg":"none","typ":"JWT"}""") + "." + Segment($$"""{"sub":"u","exp":{{exp.ToUnixTimeSeconds()}}}""") + ".sig";
    }
}
