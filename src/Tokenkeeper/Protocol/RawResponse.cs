namespace Tokenkeeper.Protocol;

/// <summary>
/// What one exchange with an endpoint produced, before parsing: the status, media type, capped body and the headers the parser
/// needs (<c>Retry-After</c>, <c>Date</c>, whether a Basic challenge came back), or a typed <see cref="Failure"/> when no usable
/// response arrived (see <see cref="TokenEndpointExchange"/>).
/// </summary>
internal sealed record RawResponse(int Status, string? MediaType, byte[] Body, TimeSpan? RetryAfter, DateTimeOffset? ServerDate, bool BasicChallenge, TokenEndpointFailure? Failure)
{
    /// <summary>An exchange that ended in <paramref name="failure"/> instead of a response.</summary>
    public static RawResponse Failed(TokenEndpointFailure failure) => new(0, null, [], null, null, false, failure);

    /// <summary>The response read by <see cref="TokenResponseParser"/> in <paramref name="context"/>.</summary>
    public TokenResult Parse(TokenResponseContext context) => TokenResponseParser.Parse(Status, MediaType, Body, RetryAfter, BasicChallenge, context);
}
