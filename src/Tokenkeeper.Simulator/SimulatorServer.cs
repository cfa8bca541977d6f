using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tokenkeeper.Simulator;

/// <summary>
/// The provider simulator hosted in-process: Kestrel on 127.0.0.1, an OAuth 2.0 authorization server and a
/// CRM-style API, with every dial of <see cref="SimulatorOptions"/>. Time comes from the injected
/// <see cref="TimeProvider"/>, so a fake clock drives token lifetimes, grace windows, rate windows and delay faults.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SimulatorAdmin _admin;
    private int _stopped;

    private SimulatorServer(WebApplication app, SimulatorAdmin admin)
    {
        _app = app;
        _admin = admin;
    }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _admin.Runtime.BaseAddress;

    /// <summary>The token endpoint: <see cref="BaseAddress"/> + <c>oauth/token</c>.</summary>
    public Uri TokenEndpoint => new(BaseAddress, "oauth/token");

    /// <summary>
    /// The live options: the same instance that was passed to <see cref="StartAsync"/>. Changing a dial takes effect
    /// on the next request; replace lists (<see cref="SimulatorOptions.Faults"/>) rather than editing them in place.
    /// </summary>
    public SimulatorOptions Options => _admin.Runtime.Options;

    /// <summary>Starts the simulator.</summary>
    /// <param name="options">The dials; validated here, and kept live (see <see cref="Options"/>).</param>
    /// <param name="timeProvider">The clock; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="port">The loopback port; 0 (the default) picks a free ephemeral port.</param>
    /// <param name="loggerFactory">Where log lines go; default none. ASP.NET Core's own categories are filtered to Warning.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <exception cref="ArgumentException">A dial is invalid.</exception>
    /// <exception cref="IOException">The port could not be bound.</exception>
    public static async Task<SimulatorServer> StartAsync(
        SimulatorOptions options,
        TimeProvider? timeProvider = null,
        int port = 0,
        ILoggerFactory? loggerFactory = null,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        options.Validate();

        var logger = loggerFactory?.CreateLogger("Tokenkeeper.Simulator") ?? NullLogger.Instance;
        var runtime = new SimulatorRuntime(options, timeProvider ?? TimeProvider.System, logger);
        var endpoints = new SimulatorEndpoints(runtime);
        var application = new SimulatorApplication(runtime, endpoints.Dispatcher);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(SimulatorServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = SimulatorDefaults.ShutdownTimeout);
        builder.Services.AddSingleton<IHostLifetime, PassiveHostLifetime>();
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        }

        var app = builder.Build();
        app.Run(application.InvokeAsync);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        runtime.Bind(new Uri(app.Urls.First().TrimEnd('/') + "/"));
        return new SimulatorServer(app, endpoints.AdminOperations);
    }

    /// <summary>The counters of <c>GET /sim/stats</c>.</summary>
    public SimulatorStats GetStats() => _admin.Stats();

    /// <summary>
    /// Starts a grant as if <paramref name="user"/> had approved <paramref name="clientId"/> for
    /// <paramref name="scope"/> (empty: all the client's scopes): the same as <c>POST /sim/grants</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown client, or a scope the client may not have.</exception>
    public Task<GrantTokens> CreateGrantAsync(string clientId, string user, string scope)
    {
        var (tokens, error) = _admin.CreateGrant(clientId, user, scope);
        if (error is { } refused)
        {
            throw new ArgumentException($"{refused.Code}: {refused.Description}");
        }

        var runtime = _admin.Runtime;
        var access = tokens!.Access;
        return Task.FromResult(new GrantTokens
        {
            GrantId = access.Grant!.Id,
            AccessToken = tokens.AccessToken,
            RefreshToken = tokens.RefreshToken,
            AccessTokenLifetime = access.ExpiresAt - access.IssuedAt,
            RefreshTokenExpiresIn = access.Grant.AbsoluteDeadline(runtime.Options) - access.IssuedAt,
            Scope = access.Scope,
            ResponseJson = Encoding.UTF8.GetString(TokenResponseWriter.Body(runtime, tokens)),
        });
    }

    /// <summary>Revokes a grant: every refresh and access token issued from it (the same as <c>POST /sim/grants/{id}/revoke</c>).</summary>
    /// <exception cref="KeyNotFoundException">There is no grant with that id.</exception>
    public void RevokeGrant(string grantId)
    {
        if (!_admin.RevokeGrant(grantId))
        {
            throw new KeyNotFoundException($"no grant '{grantId}'");
        }
    }

    /// <summary>The person approves the device authorization with <paramref name="userCode"/> (RFC 8628 §3.3), as
    /// <paramref name="user"/> (default the test user); the client's next poll gets tokens.</summary>
    /// <exception cref="KeyNotFoundException">No pending device authorization has that user code.</exception>
    public void ApproveDevice(string userCode, string? user = null) => Decide(userCode, approve: true, user);

    /// <summary>The person declines the device authorization with <paramref name="userCode"/>: the next poll gets <c>access_denied</c>.</summary>
    /// <exception cref="KeyNotFoundException">No pending device authorization has that user code.</exception>
    public void DenyDevice(string userCode) => Decide(userCode, approve: false, null);

    private void Decide(string userCode, bool approve, string? user)
    {
        if (!_admin.DecideDevice(userCode, approve, user))
        {
            throw new KeyNotFoundException($"no pending device authorization with user code '{userCode}'");
        }
    }

    /// <summary>Revokes every grant of <paramref name="user"/> (as a user removing an app's access at the provider); returns how many.</summary>
    public int RevokeGrantsOf(string user) =>
        _admin.Runtime.State.Grants.Values.Where(g => g.User == user && !g.IsRevoked).ToList().Count(g => _admin.RevokeGrant(g.Id));

    /// <summary>Clears grants, tokens, stored contacts and stats, keeping the dials (the same as <c>POST /sim/reset</c>).</summary>
    public void Reset() => _admin.Reset();

    /// <summary>Stops listening; requests in flight get up to 2 seconds to finish.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(SimulatorDefaults.ShutdownTimeout);
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();
}
