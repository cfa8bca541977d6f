using Tokenkeeper.Connections;
using Tokenkeeper.Hosting;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Sync.Configuration;

/// <summary>Reads one entry of <c>$.connections</c> into a <see cref="ConnectionDefinition"/>.</summary>
internal static class ConnectionSectionReader
{
    private static readonly string[] Keys =
    [
        "provider", "tokenEndpoint", "revocationEndpoint", "clientId", "clientSecret", "clientAuth", "grant", "scope",
        "refreshToken", "resource", "audience", "signingKeyFile", "signingKeyId", "jwtBearerSubject", "allowInsecureHttp",
        "introspectionEndpoint", "rotation", "rotationGrace",
    ];

    private static readonly Dictionary<string, RefreshTokenRotation> Rotations = new(StringComparer.Ordinal)
    {
        ["none"] = RefreshTokenRotation.None,
        ["rotating"] = RefreshTokenRotation.Rotating,
        ["rotating_with_grace"] = RefreshTokenRotation.RotatingWithGrace,
        ["reuse_detection"] = RefreshTokenRotation.ReuseDetection,
        ["unknown"] = RefreshTokenRotation.Unknown,
    };

    private static readonly Dictionary<string, OAuthGrantType> Grants = new(StringComparer.Ordinal)
    {
        ["refresh_token"] = OAuthGrantType.RefreshToken,
        ["client_credentials"] = OAuthGrantType.ClientCredentials,
        ["jwt_bearer"] = OAuthGrantType.JwtBearer,
        ["urn:ietf:params:oauth:grant-type:jwt-bearer"] = OAuthGrantType.JwtBearer,
    };

    /// <summary>The client authentication methods by their RFC 7591 names (the CLI's <c>--auth-method</c> takes the same).</summary>
    internal static readonly Dictionary<string, ClientAuthMethod> AuthMethods = new(StringComparer.Ordinal)
    {
        ["client_secret_basic"] = ClientAuthMethod.ClientSecretBasic,
        ["client_secret_post"] = ClientAuthMethod.ClientSecretPost,
        ["private_key_jwt"] = ClientAuthMethod.PrivateKeyJwt,
        ["none"] = ClientAuthMethod.None,
    };

    /// <summary>The definition, where its bootstrap refresh token came from and where its client secret came from (each null
    /// without one).</summary>
    public static (ConnectionDefinition Definition, string? RefreshTokenOrigin, string? ClientSecretOrigin) Read(string name, JsonSection section)
    {
        section.AllowOnly(Keys);
        var insecure = section.Bool("allowInsecureHttp", false);
        var provider = section.NonEmptyString("provider") ?? ProviderProfiles.Generic.Name;
        if (!ProviderProfiles.TryGet(provider, out _))
        {
            throw section.Error("provider", $"unknown provider '{provider}'. Known providers: {string.Join(", ", ProviderProfiles.All.Select(p => p.Name))}");
        }

        var grant = Choice(section, "grant", Grants, OAuthGrantType.RefreshToken);
        var refreshToken = section.NonEmptyString("refreshToken");
        if (refreshToken is not null && grant != OAuthGrantType.RefreshToken)
        {
            throw section.Error("refreshToken", $"only a refresh_token grant takes a refresh token (this connection's grant is {section.OptionalString("grant")})");
        }

        var options = new ConnectionOptions
        {
            Provider = provider,
            TokenEndpoint = section.Url("tokenEndpoint", required: true, insecure, "token endpoint"),
            RevocationEndpoint = section.Url("revocationEndpoint", required: false, insecure, "revocation endpoint"),
            IntrospectionEndpoint = section.Url("introspectionEndpoint", required: false, insecure, "introspection endpoint"),
            Rotation = section.Has("rotation") ? Choice(section, "rotation", Rotations, RefreshTokenRotation.Unknown) : null,
            RotationGrace = section.Duration("rotationGrace", allowZero: true),
            ClientId = section.RequiredString("clientId"),
            ClientSecret = section.NonEmptyString("clientSecret"),
            ClientAuthMethod = section.Has("clientAuth") ? Choice(section, "clientAuth", AuthMethods, ClientAuthMethod.ClientSecretBasic) : null,
            Grant = grant,
            Scope = section.NonEmptyString("scope"),
            RefreshToken = refreshToken,
            Resource = section.NonEmptyString("resource"),
            Audience = section.NonEmptyString("audience"),
            SigningKeyPem = ReadKeyFile(section),
            SigningKeyId = section.NonEmptyString("signingKeyId"),
            JwtBearerSubject = section.NonEmptyString("jwtBearerSubject"),
            AllowInsecureHttp = insecure,
        };
        if (options.IntrospectionEndpoint is not null && options.ClientAuthMethod == ClientAuthMethod.None)
        {
            throw section.Error("introspectionEndpoint", "needs client authentication: a public client (clientAuth none) cannot introspect (RFC 7662 §2.1)");
        }

        if (grant == OAuthGrantType.JwtBearer && options.JwtBearerSubject is null)
        {
            throw section.Error("jwtBearerSubject", "is required for the jwt_bearer grant");
        }

        return (options.ToDefinition(name), refreshToken is null ? null : section.OriginOf("refreshToken"), options.ClientSecret is null ? null : section.ReferenceOf("clientSecret"));
    }

    private static T Choice<T>(JsonSection section, string key, Dictionary<string, T> choices, T defaultValue)
    {
        var text = section.NonEmptyString(key);
        if (text is null)
        {
            return defaultValue;
        }

        return choices.TryGetValue(text, out var value)
            ? value
            : throw section.Error(key, $"'{text}' is not one of: {string.Join(", ", choices.Keys.Where(k => !k.StartsWith("urn:", StringComparison.Ordinal)))}");
    }

    private static string? ReadKeyFile(JsonSection section)
    {
        var file = section.NonEmptyString("signingKeyFile");
        if (file is null)
        {
            return null;
        }

        var path = System.IO.Path.GetFullPath(file, section.Context.Directory);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw section.Error("signingKeyFile", $"cannot read '{path}': {ex.Message}");
        }
    }
}
