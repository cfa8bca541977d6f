using System.CommandLine;
using System.Diagnostics;
using Tokenkeeper.Cli.Infrastructure;
using Tokenkeeper.Cli.Onboarding;
using Tokenkeeper.Onboarding;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Cli.Commands;

/// <summary>
/// <c>tokenkeeper connect ID --store S</c>: authorises (or re-authorises) a stored connection with the authorization code grant
/// and PKCE through a loopback redirect (RFC 8252 §7.3), or with <c>--paste</c> by pasting the final redirect URL, or with
/// <c>--device</c> through the device authorization grant (RFC 8628). The library's
/// <see cref="AuthorizationCodeFlow"/> does the protocol; this command only listens, prints and exits with the contract's code:
/// 0 connected; 2 configuration (unknown connection, no endpoint, redirect port taken); 3 refused; 4 timed out or unreachable.
/// Nothing in the store changes unless it exits 0.
/// </summary>
internal static class ConnectCommand
{
    public const string Name = "connect";

    public static Command Create()
    {
        var store = new StoreOptions();
        var id = new Argument<string>("id") { Description = "The connection to authorise (see connections add)." };
        var noBrowser = new Option<bool>("--no-browser") { Description = "Print the authorization URL alone on stdout instead of opening a browser, and wait for the redirect." };
        var device = new Option<bool>("--device") { Description = "Use the device authorization grant (RFC 8628): print a code for the person to enter on any device, and poll until they do." };
        var paste = new Option<bool>("--paste") { Description = "For machines the browser cannot reach: print the URL, then read the final redirect URL (from the browser's address bar) on stdin." };
        var timeout = new Option<string>("--timeout") { Description = "How long to wait for the person.", DefaultValueFactory = _ => $"{(int)OnboardingConstants.AuthorizationRequestLifetime.TotalMinutes}m", HelpName = "duration" };
        var json = new Option<bool>("--json") { Description = "Print {\"authorize_url\": …} on its own line first, then the result as one JSON object." };
        var command = new Command(Name, "Authorise a connection: authorization code + PKCE through a loopback redirect (or --paste).") { id };
        store.AddTo(command);
        foreach (var option in new Option[] { device, noBrowser, paste, timeout, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => RunAsync(store, parse, parse.GetValue(id)!, parse.GetValue(device), parse.GetValue(noBrowser), parse.GetValue(paste), parse.GetValue(timeout)!, parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(StoreOptions store, ParseResult parse, string connectionId, bool device, bool noBrowser, bool paste, string timeoutText, bool json, CancellationToken cancellationToken)
    {
        if (!DurationArgument.TryParse(timeoutText, out var timeout) || timeout <= TimeSpan.Zero)
        {
            CommandErrors.Fail($"--timeout '{timeoutText}' is not a duration (e.g. 10m, 90s).");
            return ExitCodes.Configuration;
        }

        try
        {
            using var opened = store.OpenExisting(parse);
            using var http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
            await using var manager = new TokenManager(opened, new TokenEndpointClient(http));
            var flow = new AuthorizationCodeFlow(manager);
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            waiting.CancelAfter(timeout);
            var result = device ? await DeviceAsync(new DeviceAuthorizationFlow(manager), connectionId, json, waiting.Token)
                : paste ? await PasteAsync(flow, connectionId, json, timeout, waiting.Token)
                : await ListenAsync(flow, connectionId, noBrowser, json, timeout, waiting.Token);
            Report(result, json);
            return ExitCodes.Ok;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            CommandErrors.Fail($"Connection '{connectionId}': nobody completed the authorisation within {DurationArgument.Format(timeout)}. Nothing was stored; run tokenkeeper connect again (--timeout waits longer).");
            return ExitCodes.FailedAfterRetries;
        }
        catch (OnboardingException ex)
        {
            CommandErrors.Fail(ex.Message);
            return ex.Kind switch
            {
                OnboardingFailureKind.Misconfigured => ExitCodes.Configuration,
                OnboardingFailureKind.Refused => ExitCodes.ReconnectRequired,
                _ => ExitCodes.FailedAfterRetries,
            };
        }
        catch (Exception ex) when (StoreOptions.Explain(ex) is { } message)
        {
            CommandErrors.Fail(message);
            return ExitCodes.Configuration;
        }
    }

    /// <summary>Listens on the redirect URI, sends the person to the provider, and completes with the first redirect that comes back.</summary>
    /// <remarks>A redirect with another <c>state</c> (a stale tab, a local process or web page poking the port) is answered with
    /// an error page and the wait goes on; if the time runs out after one, the command ends refused (exit 3) with its message.</remarks>
    private static async Task<OnboardingResult> ListenAsync(AuthorizationCodeFlow flow, string connectionId, bool noBrowser, bool json, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var probe = await flow.BeginAsync(connectionId, cancellationToken: cancellationToken); // checks the connection before listening
        using var listener = LoopbackRedirectListener.Start(probe.RedirectUri);
        var request = await flow.BeginAsync(connectionId, listener.RedirectUri, timeout, cancellationToken);
        Announce(request, json, noBrowser ? null : TryOpenBrowser(request.AuthorizationUrl));
        OnboardingException? stray = null;
        while (true)
        {
            Uri redirect;
            Func<bool, string, Task> respond;
            try
            {
                (redirect, respond) = await listener.NextRedirectAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (stray is not null)
            {
                throw stray;
            }

            try
            {
                var result = await flow.CompleteAsync(request, redirect, CancellationToken.None);
                await respond(true, $"Tokenkeeper: connection '{connectionId}' is connected. You can close this window.");
                return result;
            }
            catch (OnboardingException ex) when (ex.ProviderError == AuthorizationCodeFlow.StateMismatch)
            {
                await respond(false, $"Tokenkeeper: {ex.Message}");
                await Console.Error.WriteLineAsync($"Ignored a redirect that is not this authorisation's answer (another state); still waiting.");
                stray = ex;
            }
            catch (OnboardingException ex)
            {
                await respond(false, $"Tokenkeeper: {ex.Message}");
                throw;
            }
        }
    }

    /// <summary>Prints the URL and completes with the redirect URL the person pastes back.</summary>
    private static async Task<OnboardingResult> PasteAsync(AuthorizationCodeFlow flow, string connectionId, bool json, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = await flow.BeginAsync(connectionId, lifetime: timeout, cancellationToken: cancellationToken);
        Announce(request, json, null);
        await Console.Error.WriteLineAsync("Open the URL, authorise, then paste here the full address the browser was sent to (it may show an error page; the address is what counts):");

        // Console.In blocks in ReadLine whatever token it is given: read on its own task, so the timeout and Ctrl+C still work.
        var line = await Task.Run(Console.In.ReadLine, CancellationToken.None).WaitAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(line) || !Uri.TryCreate(line.Trim(), UriKind.Absolute, out var redirect))
        {
            throw new OnboardingException(connectionId, OnboardingFailureKind.Refused, $"Connection '{connectionId}': what was pasted is not a URL. Nothing was stored; connect again.");
        }

        return await flow.CompleteAsync(request, redirect, CancellationToken.None);
    }

    /// <summary>The device authorization grant: shows the person the code and where to enter it, then polls.</summary>
    private static async Task<OnboardingResult> DeviceAsync(DeviceAuthorizationFlow flow, string connectionId, bool json, CancellationToken cancellationToken)
    {
        var authorization = await flow.BeginAsync(connectionId, cancellationToken);
        if (json)
        {
            CliJson.WriteLine(new
            {
                verification_uri = authorization.VerificationUri.AbsoluteUri,
                user_code = authorization.UserCode,
                verification_uri_complete = authorization.VerificationUriComplete?.AbsoluteUri,
                expires_at = authorization.ExpiresAt,
            });
        }
        else
        {
            Console.Out.WriteLine($"To authorise connection '{connectionId}', open {authorization.VerificationUri.AbsoluteUri} on any device and enter the code {authorization.UserCode}"
                + (authorization.VerificationUriComplete is { } complete ? $" (or open {complete.AbsoluteUri})." : "."));
        }

        await Console.Error.WriteLineAsync($"Waiting for the code to be entered (until {authorization.ExpiresAt:u}; checking every {authorization.Interval.TotalSeconds:0} s).");
        Console.Out.Flush();
        return await flow.CompleteAsync(authorization, cancellationToken);
    }

    private static void Announce(AuthorizationRequest request, bool json, string? browser)
    {
        if (json)
        {
            CliJson.WriteLine(new { authorize_url = request.AuthorizationUrl.AbsoluteUri });
        }
        else if (browser is null)
        {
            Console.Out.WriteLine(request.AuthorizationUrl.AbsoluteUri);
        }

        Console.Error.WriteLine(browser is null
            ? $"Open the URL above to authorise connection '{request.ConnectionId}'; waiting for the redirect to {request.RedirectUri} (until {request.ExpiresAt:u})."
            : $"Opened {browser} to authorise connection '{request.ConnectionId}'; waiting for the redirect to {request.RedirectUri}. If nothing opened, use: {request.AuthorizationUrl.AbsoluteUri}");
        Console.Out.Flush();
    }

    private static void Report(OnboardingResult result, bool json)
    {
        if (json)
        {
            CliJson.WriteLine(new
            {
                id = result.ConnectionId,
                state = result.Current.State.ToString(),
                reason = result.Current.Reason,
                previous_state = result.Previous.State.ToString(),
                previous_reason = result.Previous.Reason,
                access_token = result.AccessTokenFingerprint,
                refresh_token = result.RefreshTokenFingerprint,
            });
            return;
        }

        Console.WriteLine($"Connection '{result.ConnectionId}' connected: {result.Current.State} (it was {result.Previous.State}, {result.Previous.Reason}); refresh token {result.RefreshTokenFingerprint} stored.");
    }

    /// <summary>Opens the URL in the desktop's browser when there is a desktop; returns what was used, or null.</summary>
    private static string? TryOpenBrowser(Uri url)
    {
        string? opener = OperatingSystem.IsMacOS() ? "open"
            : OperatingSystem.IsWindows() ? "explorer"
            : Environment.GetEnvironmentVariable("DISPLAY") is { Length: > 0 } || Environment.GetEnvironmentVariable("WAYLAND_DISPLAY") is { Length: > 0 } ? "xdg-open"
            : null;
        if (opener is null)
        {
            return null;
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo(opener) { ArgumentList = { url.AbsoluteUri }, UseShellExecute = false });
            return process is null ? null : "the browser";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
