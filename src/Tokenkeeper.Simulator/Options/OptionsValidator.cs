namespace Tokenkeeper.Simulator;

/// <summary>Checks a <see cref="SimulatorOptions"/> before the server starts and before dials change.</summary>
internal static class OptionsValidator
{
    public static void Validate(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Positive(options.AccessTtl, "access_ttl");
        if (options.RefreshAbsoluteTtl is { } absolute)
        {
            Positive(absolute, "refresh_absolute_ttl");
        }

        if (options.RefreshIdleTtl is { } idle)
        {
            Positive(idle, "refresh_idle_ttl");
        }

        NotNegative(options.RotationGrace, "rotation grace");
        NotNegative(options.ReuseInterval, "reuse_interval");
        NotNegative(options.TokenResponseDelay, "token_delay");
        Positive(options.AuthorizationCodeTtl, "authorization code ttl");
        NotTooLong(options.ClockSkew, "clock_skew");
        if (options.RateLimitCount is { } count)
        {
            Check(count > 0, "rate_limit count must be positive");
            Positive(options.RateLimitWindow, "rate_limit window");
        }

        Probability(options.FaultRate, "fault_rate");
        Probability(options.ApiFaultRate, "api_fault_rate");
        Probability(options.RevokeRate, "revoke_rate");
        Faults(options.Faults, options.FaultRate, "faults", "fault_rate");
        Faults(options.ApiFaults, options.ApiFaultRate, "api_faults", "api_fault_rate");
        Check(options.Contacts is >= 0 and <= SimulatorDefaults.ContactsMax, $"contacts must be between 0 and {SimulatorDefaults.ContactsMax}");
        Check(PersonalityPresets.TryResolve(options.Personality, out _), PersonalityPresets.UnknownMessage(options.Personality));
        Check(Enum.IsDefined(options.ExpiresIn), "expires_in must be number, string or omit");
        Check(Enum.IsDefined(options.TokenFormat), "token_format must be opaque or jwt");
        Check(Enum.IsDefined(options.Rotation), "rotation must be " + RotationText.Syntax);
        Check(Enum.IsDefined(options.JwtSigningAlgorithm), "jwt_signing_algorithm must be HS256 or RS256");
        Check(!string.IsNullOrWhiteSpace(options.TestUser), "test user must not be empty");
        ValidateClients(options);
    }

    public static void ValidateClients(SimulatorOptions options)
    {
        var clients = options.Clients;
        Check(clients is not null, "clients must not be null");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in clients!)
        {
            Check(client is not null && !string.IsNullOrWhiteSpace(client.ClientId), "every client needs a client_id");
            Check(seen.Add(client!.ClientId), $"client '{client.ClientId}' is registered twice");
            foreach (var grantType in client.GrantTypes)
            {
                Check(SimulatorGrantTypes.All.Contains(grantType), $"client '{client.ClientId}': unknown grant type '{grantType}'; valid: {string.Join(", ", SimulatorGrantTypes.All)}");
            }

            foreach (var uri in client.RedirectUris)
            {
                Check(Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Fragment.Length == 0, $"client '{client.ClientId}': redirect URI '{uri}' must be absolute and have no fragment");
            }

            if (client.PublicKeyPem is not null)
            {
                Check(ClientKeys.TryValidate(client.PublicKeyPem, out var problem), $"client '{client.ClientId}': public_key_pem {problem}");
            }
        }
    }

    private static void Faults(IList<string>? faults, double rate, string name, string rateName)
    {
        Check(faults is not null, name + " must not be null");
        foreach (var fault in faults!)
        {
            Check(FaultText.TryParse(fault, out _), name + ": " + FaultText.UnknownMessage(fault));
        }

        Check(rate == 0 || faults.Count > 0, $"{rateName} is {rate} but {name} is empty; name the faults to inject");
    }

    private static void Positive(TimeSpan value, string name)
    {
        Check(value > TimeSpan.Zero, name + " must be positive");
        NotTooLong(value, name);
    }

    private static void NotNegative(TimeSpan value, string name)
    {
        Check(value >= TimeSpan.Zero, name + " must not be negative");
        NotTooLong(value, name);
    }

    private static void NotTooLong(TimeSpan value, string name) =>
        Check(value.Duration() <= SimulatorDefaults.MaxDuration, $"{name} must be at most {DurationText.Format(SimulatorDefaults.MaxDuration)}");

    private static void Probability(double value, string name) => Check(value is >= 0 and <= 1, name + " must be between 0 and 1");

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
