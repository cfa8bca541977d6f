using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tokenkeeper.Lifecycle;

namespace Tokenkeeper.Tests.Lifecycle;

/// <summary>
/// The receiver-side helper: it accepts what the dispatcher signs (with any of several secrets), and refuses a stale or future
/// timestamp on a fake clock, a tampered body, id or timestamp, a missing header, and a signature made with another secret.
/// </summary>
public sealed class WebhookVerifierTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"evt","type":"reconnect_required"}""");
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly WebhookSecret _current = WebhookSecret.Generate();
    private readonly WebhookSecret _next = WebhookSecret.Generate();

    private string Now => _clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void WhatTheSenderSigns_Verifies_WithEitherSecretOfARotation()
    {
        var signature = WebhookSigner.Sign([_current, _next], "evt-1", _clock.GetUtcNow().ToUnixTimeSeconds(), Body);

        new WebhookVerifier([_current], _clock).Verify("evt-1", Now, signature, Body);
        new WebhookVerifier([_next], _clock).Verify("evt-1", Now, signature, Body);
        Assert.True(new WebhookVerifier([WebhookSecret.Generate(), _next], _clock).TryVerify("evt-1", Now, signature, Body, out _));
        Assert.False(new WebhookVerifier([WebhookSecret.Generate()], _clock).TryVerify("evt-1", Now, signature, Body, out var failure));
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, failure);
    }

    /// <summary>The Standard Webhooks specification's published test vector: a receiver's existing library verifies what we sign
    /// only if this reproduces exactly (key decoding, delimiter, base64 alphabet).</summary>
    [Fact]
    public void TheSignature_ReproducesTheStandardWebhooksTestVector()
    {
        var secret = WebhookSecret.Parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        var body = Encoding.UTF8.GetBytes("""{"test": 2432232314}""");

        var signature = WebhookSigner.Sign([secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
        var atTheTime = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1614265330));
        new WebhookVerifier([secret], atTheTime).Verify("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,bm9wZQ== " + signature, body);
    }

    [Fact]
    public void AStaleTimestamp_IsRefused_EvenWithAValidSignature()
    {
        var verifier = new WebhookVerifier([_current], _clock);
        var sentAt = _clock.GetUtcNow().ToUnixTimeSeconds();
        var signature = WebhookSigner.Sign([_current], "evt-1", sentAt, Body);
        var sent = sentAt.ToString(CultureInfo.InvariantCulture);
        _clock.Advance(WebhookVerifier.DefaultTolerance - TimeSpan.FromSeconds(1));
        verifier.Verify("evt-1", sent, signature, Body); // just inside the tolerance

        _clock.Advance(TimeSpan.FromSeconds(2));
        var replay = Assert.Throws<WebhookVerificationException>(() => verifier.Verify("evt-1", sent, signature, Body));

        Assert.Equal(WebhookVerificationFailure.StaleTimestamp, replay.Failure);
    }

    [Fact]
    public void AFutureTimestamp_BeyondTheTolerance_IsRefused()
    {
        var verifier = new WebhookVerifier([_current], _clock, TimeSpan.FromSeconds(30));
        var ahead = _clock.GetUtcNow().AddMinutes(2).ToUnixTimeSeconds();

        var error = Assert.Throws<WebhookVerificationException>(() => verifier.Verify("evt-1", ahead.ToString(CultureInfo.InvariantCulture), WebhookSigner.Sign([_current], "evt-1", ahead, Body), Body));

        Assert.Equal(WebhookVerificationFailure.FutureTimestamp, error.Failure);
    }

    [Theory]
    [InlineData("body")]
    [InlineData("id")]
    [InlineData("timestamp")]
    public void AnythingChangedOnTheWay_IsRefused(string changed)
    {
        var verifier = new WebhookVerifier([_current], _clock);
        var sentAt = _clock.GetUtcNow().ToUnixTimeSeconds();
        var signature = WebhookSigner.Sign([_current], "evt-1", sentAt, Body);
        var body = changed == "body" ? Encoding.UTF8.GetBytes("""{"id":"evt","type":"recovered"}""") : Body;
        var id = changed == "id" ? "evt-2" : "evt-1";
        var timestamp = (changed == "timestamp" ? sentAt - 1 : sentAt).ToString(CultureInfo.InvariantCulture);

        var error = Assert.Throws<WebhookVerificationException>(() => verifier.Verify(id, timestamp, signature, body));

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, error.Failure);
    }

    [Theory]
    [InlineData(null, "1", "v1,x", WebhookVerificationFailure.MissingHeaders)]
    [InlineData("evt", "", "v1,x", WebhookVerificationFailure.MissingHeaders)]
    [InlineData("evt", "1", null, WebhookVerificationFailure.MissingHeaders)]
    [InlineData("evt", "12:00", "v1,x", WebhookVerificationFailure.MalformedTimestamp)]
    [InlineData("evt", "-5", "v1,x", WebhookVerificationFailure.MalformedTimestamp)]
    public void MissingOrMalformedHeaders_AreRefused(string? id, string? timestamp, string? signature, WebhookVerificationFailure expected)
    {
        var error = Assert.Throws<WebhookVerificationException>(() => new WebhookVerifier([_current], _clock).Verify(id, timestamp, signature, Body));

        Assert.Equal(expected, error.Failure);
    }

    [Fact]
    public void OtherSchemesAndGarbage_InTheSignatureHeader_AreSkipped_NotFatal()
    {
        var sentAt = _clock.GetUtcNow().ToUnixTimeSeconds();
        var valid = WebhookSigner.Sign([_current], "evt-1", sentAt, Body);

        new WebhookVerifier([_current], _clock).Verify(name => name switch
        {
            WebhookHeaders.Id => "evt-1",
            WebhookHeaders.Timestamp => Now,
            WebhookHeaders.Signature => "v1a,c29tZXRoaW5n v1,!!notbase64 v1,AAAA " + valid,
            _ => null,
        }, Body);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("sha256=abc", "does not start with 'whsec_'")]
    [InlineData("whsec_%%%", "does not decode")]
    [InlineData("whsec_AAAA", "holds a key of 3 bytes")]
    public void ASecretThatIsNotOne_IsAConfigurationError_ThatNeverRepeatsIt(string text, string says)
    {
        var error = Assert.Throws<TokenkeeperConfigurationException>(() => WebhookSecret.Parse(text, "line 1 of hooks.txt"));

        Assert.Contains(says, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("line 1 of hooks.txt", error.Message, StringComparison.Ordinal);
        if (text.Length > 6)
        {
            Assert.DoesNotContain(text[6..], error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ASecret_ShowsOnlyItsFingerprint_AndEncodesBackToItsWhsecForm()
    {
        var secret = WebhookSecret.Generate();
        var encoded = secret.Encode();

        Assert.StartsWith("whsec_", encoded, StringComparison.Ordinal);
        Assert.Equal(secret.Fingerprint, secret.ToString());
        Assert.DoesNotContain(encoded[6..], secret.ToString(), StringComparison.Ordinal);
        Assert.Equal(secret.Fingerprint, WebhookSecret.Parse(encoded).Fingerprint);
        Assert.Equal(2, WebhookSecret.ParseList($"# current\n{encoded}\n\n{WebhookSecret.Generate().Encode()}\n", "hooks.txt", '\n').Count);
    }
}
