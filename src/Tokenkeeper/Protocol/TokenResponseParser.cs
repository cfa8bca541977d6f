using System.Text.Json;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Protocol;

/// <summary>
/// Reads a token endpoint response into a <see cref="TokenResult"/>: tokens with a normalised expiry, or a typed failure
/// (DESIGN.md contracts 5 and 8). Never throws for anything the provider sends.
/// </summary>
internal static class TokenResponseParser
{
    public static TokenResult Parse(int status, string? mediaType, ReadOnlySpan<byte> body, TimeSpan? retryAfter, bool basicChallenge, in TokenResponseContext context)
    {
        using var document = TryParseObject(body);
        if (status is >= 200 and < 300)
        {
            return ParseSuccess(status, mediaType, body.Length, document, context);
        }

        var (error, description) = ReadError(document, context);
        var kind = Classify(status, error, basicChallenge);
        if (status == 429 && kind != TokenFailureKind.InvalidGrant && kind != TokenFailureKind.InvalidClient)
        {
            kind = TokenFailureKind.RateLimited;
        }

        return TokenResult.Failed(new TokenEndpointFailure
        {
            Kind = kind,
            Error = error,
            Description = description,
            StatusCode = status,
            RetryAfter = retryAfter,
            // A bare 500/502/504 may come from a proxy after the provider acted; an OAuth error body is the provider saying it did not.
            MaybeProcessed = status is 500 or 502 or 504 && error is not (OAuthErrorCodes.ServerError or OAuthErrorCodes.TemporarilyUnavailable),
            Message = error is null
                ? $"token endpoint answered HTTP {status} without an OAuth error{DescribeBody(mediaType, body.Length, document)}"
                : $"token endpoint answered HTTP {status} '{error}'{(description is null ? "" : ": " + description)}",
        });
    }

    /// <summary>Maps an HTTP status and OAuth error code to a failure kind.</summary>
    public static TokenFailureKind Classify(int status, string? error, bool basicChallenge = false) => error switch
    {
        OAuthErrorCodes.InvalidGrant => TokenFailureKind.InvalidGrant,
        OAuthErrorCodes.InvalidClient or OAuthErrorCodes.UnauthorizedClient => TokenFailureKind.InvalidClient,
        OAuthErrorCodes.InvalidRequest or OAuthErrorCodes.InvalidScope or OAuthErrorCodes.UnsupportedGrantType or OAuthErrorCodes.AccessDenied => TokenFailureKind.InvalidRequest,
        OAuthErrorCodes.SlowDown => TokenFailureKind.RateLimited,
        OAuthErrorCodes.TemporarilyUnavailable or OAuthErrorCodes.ServerError => TokenFailureKind.Transient,
        _ when status == 429 => TokenFailureKind.RateLimited,
        _ when status >= 500 || status == 408 => TokenFailureKind.Transient,
        _ when status == 401 && basicChallenge => TokenFailureKind.InvalidClient,
        _ when status is 404 or 405 or 410 => TokenFailureKind.InvalidRequest,
        _ => TokenFailureKind.Protocol,
    };

    private static TokenResult ParseSuccess(int status, string? mediaType, int length, JsonDocument? document, in TokenResponseContext context)
    {
        RefreshToken? rotated = null;
        if (document is null)
        {
            return Protocol(length == 0
                ? $"token endpoint answered HTTP {status} with an empty body"
                : $"token endpoint answered HTTP {status} with a body that is not a JSON object{DescribeBody(mediaType, length, null)}");
        }

        var root = document.RootElement;
        var (error, description) = ReadError(document, context);
        if (error is not null)
        {
            // An OAuth error inside a 200 (seen in the wild): classify it like the error it names.
            var kind = Classify(500, error);
            return TokenResult.Failed(new TokenEndpointFailure
            {
                Kind = kind,
                Error = error,
                Description = description,
                StatusCode = status,
                MaybeProcessed = kind is TokenFailureKind.Transient or TokenFailureKind.Protocol && error is not (OAuthErrorCodes.ServerError or OAuthErrorCodes.TemporarilyUnavailable),
                Message = $"token endpoint answered HTTP {status} carrying error '{error}'{(description is null ? "" : ": " + description)}",
            });
        }

        // Read first: if anything below makes the response unusable, a rotated refresh token in it must still be kept.
        var refreshToken = ReadString(root, "refresh_token");
        // Only a refresh_token grant spends a token that the answer can replace; other grants just retry.
        rotated = context.PreviousRefreshToken is null || string.IsNullOrEmpty(refreshToken) || new RefreshToken(refreshToken) == context.PreviousRefreshToken
            ? null
            : new RefreshToken(refreshToken);
        var accessToken = ReadString(root, "access_token");
        if (string.IsNullOrEmpty(accessToken))
        {
            return Protocol($"token endpoint answered HTTP {status} without an access_token");
        }

        var tokenType = ReadString(root, "token_type");
        if (tokenType is not null && !tokenType.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return Protocol($"token endpoint issued a '{Trim(tokenType, 40)}' token; only Bearer tokens are supported");
        }

        var skew = context.Skew;
        var expiry = ExpiryNormalizer.Resolve(root, accessToken, context.SentAt, skew, context.Profile, context.DefaultLifetime);
        if (expiry.Error is not null)
        {
            return Protocol($"token endpoint answered with an unusable lifetime: {expiry.Error}");
        }

        var (refreshLifetime, refreshError) = ExpiryNormalizer.ReadSeconds(root, "refresh_token_expires_in", TokenConstants.MaxRefreshTokenLifetime);
        if (refreshLifetime is null && refreshError is null)
        {
            (refreshLifetime, refreshError) = ExpiryNormalizer.ReadSeconds(root, "x_refresh_token_expires_in", TokenConstants.MaxRefreshTokenLifetime);
        }

        if (refreshError is not null)
        {
            return Protocol($"token endpoint answered with an unusable refresh-token lifetime: {refreshError}");
        }

        return TokenResult.Success(new TokenSet
        {
            AccessToken = new AccessToken(accessToken),
            TokenType = "Bearer",
            RefreshToken = string.IsNullOrEmpty(refreshToken) ? context.PreviousRefreshToken : new RefreshToken(refreshToken),
            Scope = ReadString(root, "scope") ?? context.RequestedScope,
            IssuedAt = context.SentAt,
            ExpiresAt = expiry.ExpiresAt,
            ExpirySource = expiry.Source,
            RefreshTokenExpiresAt = context.SentAt + refreshLifetime,
            InstanceUrl = ReadString(root, "instance_url"),
            ServerClockSkew = context.ServerDate is null ? null : skew,
        });

        TokenResult Protocol(string message)
        {
            var failure = new TokenEndpointFailure
            {
                Kind = TokenFailureKind.Protocol,
                StatusCode = status,
                MaybeProcessed = true,
                Message = rotated is null ? message : message + "; the response carried a new refresh token, which was kept",
            };
            return rotated is { } kept ? TokenResult.FailedAfterRotation(failure, kept) : TokenResult.Failed(failure);
        }
    }

    private static (string? Error, string? Description) ReadError(JsonDocument? document, in TokenResponseContext context)
    {
        if (document is null)
        {
            return (null, null);
        }

        var root = document.RootElement;
        var aliases = context.Profile.ErrorCodeAliases;
        string? error = null;
        var raw = ReadString(root, "error");
        if (raw is not null)
        {
            error = aliases.TryGetValue(raw, out var mapped) ? mapped : raw;
        }
        else if (aliases.Count > 0)
        {
            foreach (var field in (ReadOnlySpan<string>)["status", "errorCode", "code"])
            {
                if (ReadString(root, field) is { } code && aliases.TryGetValue(code, out var mapped))
                {
                    error = mapped;
                    break;
                }
            }
        }

        if (error is null)
        {
            return (null, null);
        }

        var description = ReadString(root, "error_description") ?? ReadString(root, "message");
        return (Trim(error, 80), description is null ? null : Trim(description, TokenEndpointConstants.MaxDescriptionLength));
    }

    private static JsonDocument? TryParseObject(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 32 });
            var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ReadString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string DescribeBody(string? mediaType, int length, JsonDocument? document) => document is not null
        ? ""
        : length == 0 ? " (empty body)" : $" ({mediaType ?? "no content type"}, {length} bytes)";

    private static string Trim(string value, int max)
    {
        Span<char> buffer = stackalloc char[Math.Min(value.Length, max)];
        var count = 0;
        foreach (var c in value)
        {
            if (count == buffer.Length)
            {
                break;
            }

            buffer[count++] = char.IsControl(c) ? ' ' : c;
        }

        return new string(buffer[..count]) + (value.Length > max ? "…" : "");
    }
}
