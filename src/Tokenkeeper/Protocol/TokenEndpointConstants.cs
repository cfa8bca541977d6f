namespace Tokenkeeper.Protocol;

/// <summary>Every default number of the token endpoint client, in one place.</summary>
internal static class TokenEndpointConstants
{
    /// <summary>A token request that has not completed after this long is abandoned as transient: 30 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Token endpoint bodies larger than this are refused as a protocol error: 256 KiB.</summary>
    public const int MaxResponseBytes = 256 * 1024;

    /// <summary>Provider error descriptions are cut to this many characters before they are kept or logged: 300.</summary>
    public const int MaxDescriptionLength = 300;

    /// <summary>Secrets shorter than this are not scrubbed from provider error text (a 3-character "secret" would mangle every
    /// sentence): 6 characters.</summary>
    public const int MinRedactedLength = 6;

    /// <summary>Lifetime of a <c>private_key_jwt</c> client assertion: 60 seconds.</summary>
    public static readonly TimeSpan ClientAssertionLifetime = TimeSpan.FromSeconds(60);

    /// <summary>Largest <c>Retry-After</c> honoured as given; longer waits are capped here: 1 hour.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);
}
