namespace Tokenkeeper.Simulator;

/// <summary>Builds every endpoint and its collaborators around one <see cref="SimulatorRuntime"/>.</summary>
internal sealed class SimulatorEndpoints
{
    public SimulatorEndpoints(SimulatorRuntime runtime)
    {
        var issuer = new TokenIssuer(runtime);
        var assertions = new AssertionValidator(runtime);
        var authenticator = new ClientAuthenticator(runtime, assertions);
        var faults = new FaultInjector(runtime);
        var bearer = new BearerAuthenticator(runtime);
        Token = new TokenEndpoint(
            runtime,
            authenticator,
            new TokenRateLimiter(runtime),
            faults,
            new TokenResponseHold(runtime),
            new AuthorizationCodeGrant(runtime, issuer),
            new RefreshTokenGrant(runtime, issuer),
            new ClientCredentialsGrant(issuer),
            new JwtBearerGrant(assertions, issuer),
            new DeviceCodeGrant(runtime, issuer));
        DeviceAuthorization = new DeviceAuthorizationEndpoint(runtime, authenticator);
        Authorize = new AuthorizeEndpoint(runtime);
        Revocation = new RevocationEndpoint(runtime, authenticator);
        Introspection = new IntrospectionEndpoint(runtime, authenticator);
        Discovery = new DiscoveryEndpoint(runtime);
        Jwks = new JwksEndpoint(runtime);
        Contacts = new ContactsEndpoint(runtime, bearer, faults);
        Batch = new BatchEndpoint(runtime, bearer, faults);
        AdminOperations = new SimulatorAdmin(runtime, issuer);
        Admin = new AdminEndpoints(AdminOperations);
        Index = new IndexEndpoint(runtime, () => Dispatcher!.Paths);
        Dispatcher = new RequestDispatcher(this);
    }

    public TokenEndpoint Token { get; }

    public AuthorizeEndpoint Authorize { get; }

    public DeviceAuthorizationEndpoint DeviceAuthorization { get; }

    public RevocationEndpoint Revocation { get; }

    public IntrospectionEndpoint Introspection { get; }

    public DiscoveryEndpoint Discovery { get; }

    public JwksEndpoint Jwks { get; }

    public ContactsEndpoint Contacts { get; }

    public BatchEndpoint Batch { get; }

    public SimulatorAdmin AdminOperations { get; }

    public AdminEndpoints Admin { get; }

    public IndexEndpoint Index { get; }

    public RequestDispatcher Dispatcher { get; }
}
