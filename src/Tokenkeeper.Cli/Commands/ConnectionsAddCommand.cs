using System.CommandLine;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Connections;
using Tokenkeeper.Hosting;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Sync.Configuration;

namespace Tokenkeeper.Cli.Commands;

/// <summary>
/// <c>tokenkeeper connections add ID --store S --client-id C …</c>: defines a connection in the store without a job file. The
/// client secret comes from an environment variable or a file, never from a flag (a flag is visible to every user of the
/// machine); the store keeps it, encrypted, so the lifecycle service and jobs refresh without the environment. A connection
/// that needs a person's consent is <c>PendingAuthorization</c> until <c>tokenkeeper connect ID</c>; one that does not
/// (client credentials, JWT bearer) gets its first token at once and is <c>Active</c>.
/// </summary>
internal static class ConnectionsAddCommand
{
    private static readonly Dictionary<string, OAuthGrantType> Grants = new(StringComparer.Ordinal)
    {
        ["authorization_code"] = OAuthGrantType.RefreshToken,
        ["device_code"] = OAuthGrantType.RefreshToken,
        ["client_credentials"] = OAuthGrantType.ClientCredentials,
        ["jwt_bearer"] = OAuthGrantType.JwtBearer,
    };

    public static Command Create()
    {
        var store = new StoreOptions();
        var id = new Argument<string>("id") { Description = "The connection id (jobs name it)." };
        var provider = new Option<string>("--provider") { Description = "The provider profile (lifetimes, rotation, quirks).", DefaultValueFactory = _ => ProviderProfiles.Generic.Name };
        provider.AcceptOnlyFromAmong([.. ProviderProfiles.All.Select(p => p.Name)]);
        var discovery = new Option<string?>("--discovery") { Description = "The provider's issuer, or its RFC 8414 / OpenID Connect metadata document: fills in every endpoint it names.", HelpName = "url" };
        var tokenEndpoint = Url("--token-endpoint", "The token endpoint.");
        var authorizationEndpoint = Url("--authorization-endpoint", "The authorization endpoint (for tokenkeeper connect).");
        var deviceEndpoint = Url("--device-endpoint", "The device authorization endpoint (for tokenkeeper connect --device).");
        var revocationEndpoint = Url("--revocation-endpoint", "The revocation endpoint (for connections remove).");
        var clientId = new Option<string>("--client-id") { Description = "The OAuth client id.", Required = true };
        var secretEnv = new Option<string?>("--client-secret-env") { Description = "The environment variable holding the client secret.", HelpName = "name" };
        var secretFile = new Option<string?>("--client-secret-file") { Description = "A file holding the client secret.", HelpName = "path" };
        var keyFile = new Option<string?>("--signing-key-file") { Description = "A PEM private key (RSA or P-256) for private_key_jwt client authentication or the jwt_bearer grant.", HelpName = "path" };
        var keyId = new Option<string?>("--signing-key-id") { Description = "The key's kid, as registered at the provider." };
        var subject = new Option<string?>("--jwt-subject") { Description = "The user a jwt_bearer grant acts for (the assertion's sub)." };
        var authMethod = new Option<string?>("--auth-method") { Description = "How the client authenticates (default: the provider profile's)." };
        authMethod.AcceptOnlyFromAmong([.. ConnectionSectionReader.AuthMethods.Keys]);
        var scopes = new Option<string?>("--scopes") { Description = "The scopes to ask for, space separated." };
        var grant = new Option<string>("--grant") { Description = "How the connection is authorised.", DefaultValueFactory = _ => "authorization_code" };
        grant.AcceptOnlyFromAmong([.. Grants.Keys]);
        var redirectUri = new Option<string?>("--redirect-uri") { Description = "The redirect URI registered for the client (a loopback one without a port is served on a free port)." };
        var apiBaseUrl = Url("--api-base-url", "The API this connection is for (the token service's proxy sends requests only there).");
        var json = new Option<bool>("--json") { Description = "Print the connection's state as JSON." };
        var command = new Command("add", "Define a connection in the store (then `tokenkeeper connect ID` to authorise it).") { id };
        store.AddTo(command);
        foreach (var option in new Option[] { provider, discovery, tokenEndpoint, authorizationEndpoint, deviceEndpoint, revocationEndpoint, clientId, secretEnv, secretFile, keyFile, keyId, subject, authMethod, scopes, grant, redirectUri, apiBaseUrl, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var connectionId = parse.GetValue(id)!;
            var options = new ConnectionOptions
            {
                Provider = parse.GetValue(provider)!,
                TokenEndpoint = parse.GetValue(tokenEndpoint),
                AuthorizationEndpoint = parse.GetValue(authorizationEndpoint),
                DeviceAuthorizationEndpoint = parse.GetValue(deviceEndpoint),
                RevocationEndpoint = parse.GetValue(revocationEndpoint),
                ClientId = parse.GetValue(clientId),
                ClientSecret = ReadSecret(parse.GetValue(secretEnv), parse.GetValue(secretFile)),
                SigningKeyPem = parse.GetValue(keyFile) is { } pem ? ReadSecret(null, pem, "--signing-key-file") : null,
                SigningKeyId = parse.GetValue(keyId),
                JwtBearerSubject = parse.GetValue(subject),
                ClientAuthMethod = parse.GetValue(authMethod) is { } method ? ConnectionSectionReader.AuthMethods[method] : null,
                Scope = parse.GetValue(scopes),
                Grant = Grants[parse.GetValue(grant)!],
                RedirectUri = parse.GetValue(redirectUri),
                ApiBaseUrl = parse.GetValue(apiBaseUrl),
            };
            if (options.Grant == OAuthGrantType.JwtBearer && (options.SigningKeyPem is null || options.JwtBearerSubject is null))
            {
                throw new TokenkeeperConfigurationException("The jwt_bearer grant needs --signing-key-file and --jwt-subject.");
            }

            if (parse.GetValue(discovery) is { } metadata)
            {
                await DiscoverAsync(options, metadata, cancellationToken);
            }

            if (options.TokenEndpoint is null)
            {
                throw new TokenkeeperConfigurationException("A connection needs a token endpoint: give --token-endpoint, or --discovery with the provider's issuer.");
            }

            // Everything that can be checked without the store is checked before the store file is created.
            var definition = options.ToDefinition(connectionId);
            EndpointSecurity.EnsureAllowed(definition.Registration.TokenEndpoint, allowInsecureHttp: false);
            if (definition.Registration.AuthorizationEndpoint is { } authorize)
            {
                EndpointSecurity.EnsureAllowed(authorize, allowInsecureHttp: false, "authorization endpoint");
            }

            using var opened = store.OpenOrCreate(parse);
            using var http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
            await using var manager = new TokenManager(opened, new TokenEndpointClient(http));
            if (await manager.GetStatusAsync(connectionId, cancellationToken) is not null)
            {
                throw new TokenkeeperConfigurationException($"The store already holds a connection '{connectionId}'. Remove it first (tokenkeeper connections remove {connectionId}), or choose another id.");
            }

            await manager.RegisterAsync(definition, cancellationToken);
            if (options.Grant != OAuthGrantType.RefreshToken)
            {
                try
                {
                    await manager.GetAccessTokenAsync(connectionId, cancellationToken: cancellationToken); // its first token: Active
                }
                catch (TokenAcquisitionException ex)
                {
                    // Not kept half-made: a connection that cannot get its first token is removed again.
                    if (await opened.GetAsync(connectionId, CancellationToken.None) is { } made)
                    {
                        await opened.DeleteAsync(connectionId, made.Version, CancellationToken.None);
                    }

                    var code = ex is ConnectionMisconfiguredException ? ExitCodes.Configuration : ExitCodes.FailedAfterRetries;
                    throw new CommandFailedException(code, $"{ex.Message} The connection was not added.");
                }
            }

            var status = (await manager.GetStatusAsync(connectionId, cancellationToken))!;
            var next = status.State == ConnectionState.PendingAuthorization ? $"tokenkeeper connect {connectionId} --store {parse.GetValue(store.Store)}" : null;
            if (parse.GetValue(json))
            {
                CliJson.Write(new { id = connectionId, state = status.State.ToString(), reason = status.Reason, next });
            }
            else
            {
                Console.WriteLine($"Connection '{connectionId}' added: {status.State}{(next is null ? "." : $". Authorise it with: {next}")}");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The client secret from an environment variable or a file (trimmed), never from a flag value.</summary>
    internal static string? ReadSecret(string? variable, string? file, string fileFlag = "--client-secret-file")
    {
        if (variable is not null && file is not null)
        {
            throw new TokenkeeperConfigurationException("Give the client secret once: --client-secret-env or --client-secret-file, not both.");
        }

        if (variable is not null)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            return string.IsNullOrWhiteSpace(value)
                ? throw new TokenkeeperConfigurationException($"--client-secret-env {variable}: the environment variable {variable} is {(value is null ? "not set" : "empty")}.")
                : value.Trim();
        }

        if (file is not null)
        {
            try
            {
                var value = File.ReadAllText(file).Trim();
                return value.Length == 0 ? throw new TokenkeeperConfigurationException($"{fileFlag} {file}: the file is empty.") : value;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new TokenkeeperConfigurationException($"{fileFlag} {file}: cannot read it ({ex.Message}).", ex);
            }
        }

        return null;
    }

    /// <summary>Fills in the endpoints the provider's metadata names (flags given explicitly win).</summary>
    private static async Task DiscoverAsync(ConnectionOptions options, string metadata, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(metadata, UriKind.Absolute, out var url))
        {
            throw new TokenkeeperConfigurationException($"--discovery '{metadata}' is not an absolute URL.");
        }

        using var http = new HttpClient();
        var found = await new DiscoveryClient(http).DiscoverAsync(IssuerOf(url), cancellationToken: cancellationToken);
        options.TokenEndpoint ??= found.TokenEndpoint;
        options.AuthorizationEndpoint ??= found.AuthorizationEndpoint;
        options.RevocationEndpoint ??= found.RevocationEndpoint;
        options.IntrospectionEndpoint ??= found.IntrospectionEndpoint;
        options.DeviceAuthorizationEndpoint ??= found.DeviceAuthorizationEndpoint;
        options.Issuer = found.Issuer;
    }

    /// <summary>The issuer a discovery URL stands for: the URL itself, or the issuer a metadata document's address names.</summary>
    internal static Uri IssuerOf(Uri url)
    {
        const string Oidc = "/.well-known/openid-configuration";
        const string Oauth = "/.well-known/oauth-authorization-server";
        var path = url.AbsolutePath;
        return path.EndsWith(Oidc, StringComparison.Ordinal) ? new Uri(url.GetLeftPart(UriPartial.Authority) + path[..^Oidc.Length])
            : path.StartsWith(Oauth, StringComparison.Ordinal) ? new Uri(url.GetLeftPart(UriPartial.Authority) + path[Oauth.Length..])
            : url;
    }

    private static Option<Uri?> Url(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "url",
        CustomParser = result =>
        {
            if (result.Tokens is [var token] && Uri.TryCreate(token.Value, UriKind.Absolute, out var uri))
            {
                return uri;
            }

            result.AddError($"{name} '{result.Tokens.FirstOrDefault()?.Value}' is not an absolute URL.");
            return null;
        },
    };
}
