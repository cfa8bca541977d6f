using System.Globalization;
using System.Security.Cryptography;

namespace Tokenkeeper.Lifecycle;

/// <summary>
/// Verifies a Standard Webhooks delivery on the receiver's side: the three headers are present, the timestamp is within the
/// tolerance of the receiver's clock (so a captured delivery cannot be replayed later), and one <c>v1</c> signature matches one of
/// the receiver's secrets, compared in constant time. During a rotation the receiver lists both secrets (or the sender signs with
/// both): either matching is enough. Deduplicate on <c>webhook-id</c> after verifying: retries of one event carry the same id.
/// </summary>
public sealed class WebhookVerifier
{
    /// <summary>The default tolerance: 5 minutes either way, as Standard Webhooks recommends.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    private readonly IReadOnlyList<WebhookSecret> _secrets;
    private readonly TimeProvider _time;
    private readonly TimeSpan _tolerance;

    /// <summary>Creates a verifier.</summary>
    /// <param name="secrets">Every secret a valid delivery may be signed with (the current one and, during a rotation, the next).</param>
    /// <param name="timeProvider">The receiver's clock (default: the system clock).</param>
    /// <param name="tolerance">How far the timestamp may be from now, either way (default <see cref="DefaultTolerance"/>).</param>
    public WebhookVerifier(IEnumerable<WebhookSecret> secrets, TimeProvider? timeProvider = null, TimeSpan? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = [.. secrets];
        if (_secrets.Count == 0)
        {
            throw new ArgumentException("A verifier needs at least one secret.", nameof(secrets));
        }

        _time = timeProvider ?? TimeProvider.System;
        _tolerance = tolerance ?? DefaultTolerance;
        if (_tolerance <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be positive.");
        }
    }

    /// <summary>Verifies a delivery whose headers are read through <paramref name="header"/> (by name, case as in
    /// <see cref="WebhookHeaders"/>; e.g. <c>name =&gt; request.Headers[name]</c>).</summary>
    /// <exception cref="WebhookVerificationException">The delivery must not be trusted.</exception>
    public void Verify(Func<string, string?> header, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(header);
        Verify(header(WebhookHeaders.Id), header(WebhookHeaders.Timestamp), header(WebhookHeaders.Signature), body);
    }

    /// <summary>Verifies a delivery from its three header values and the exact body bytes received.</summary>
    /// <exception cref="WebhookVerificationException">The delivery must not be trusted.</exception>
    public void Verify(string? id, string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (Check(id, timestamp, signature, body) is { } failure)
        {
            throw new WebhookVerificationException(failure.Kind, failure.Message);
        }
    }

    /// <summary>Whether a delivery can be trusted; <paramref name="failure"/> says why not.</summary>
    public bool TryVerify(string? id, string? timestamp, string? signature, ReadOnlySpan<byte> body, out WebhookVerificationFailure failure)
    {
        var result = Check(id, timestamp, signature, body);
        failure = result?.Kind ?? default;
        return result is null;
    }

    private (WebhookVerificationFailure Kind, string Message)? Check(string? id, string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return (WebhookVerificationFailure.MissingHeaders, $"The delivery lacks {WebhookHeaders.Id}, {WebhookHeaders.Timestamp} or {WebhookHeaders.Signature}.");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return (WebhookVerificationFailure.MalformedTimestamp, $"{WebhookHeaders.Timestamp} is not a whole number of seconds since the Unix epoch.");
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var tolerance = (long)_tolerance.TotalSeconds;
        if (seconds < now - tolerance)
        {
            return (WebhookVerificationFailure.StaleTimestamp, $"The delivery was signed {now - seconds} s ago, more than the {tolerance} s tolerance: a replay, or a clock far behind.");
        }

        if (seconds > now + tolerance)
        {
            return (WebhookVerificationFailure.FutureTimestamp, $"The delivery is dated {seconds - now} s ahead, more than the {tolerance} s tolerance: the sender's clock is far ahead.");
        }

        Span<byte> received = stackalloc byte[HMACSHA256.HashSizeInBytes];
        foreach (var candidate in signature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = candidate.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !candidate.AsSpan(0, comma).SequenceEqual(WebhookSigner.Version)
                || !Convert.TryFromBase64String(candidate[(comma + 1)..], received, out var written) || written != received.Length)
            {
                continue; // another scheme, or not a signature: look at the next
            }

            foreach (var secret in _secrets)
            {
                if (CryptographicOperations.FixedTimeEquals(WebhookSigner.Compute(secret, id, timestamp, body), received))
                {
                    return null;
                }
            }
        }

        return (WebhookVerificationFailure.NoMatchingSignature, "No v1 signature matches a secret of this receiver: a wrong secret, or the body, id or timestamp changed on the way.");
    }
}
