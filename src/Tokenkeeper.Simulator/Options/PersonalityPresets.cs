namespace Tokenkeeper.Simulator;

/// <summary>The personality presets: which dials each provider's real behaviour sets.</summary>
internal static class PersonalityPresets
{
    public const string Generic = "generic";
    public const string Salesforce = "salesforce";
    public const string HubSpot = "hubspot";
    public const string ZendeskSell = "zendesk-sell";
    public const string Genesys = "genesys";
    public const string Xero = "xero";
    public const string Slack = "slack";

    public static IReadOnlyList<string> Names { get; } = [Generic, Salesforce, HubSpot, ZendeskSell, Genesys, Xero, Slack];

    public static bool TryResolve(string? name, out PersonalityKind kind)
    {
        kind = name?.ToLowerInvariant() switch
        {
            Generic => PersonalityKind.Generic,
            Salesforce => PersonalityKind.Salesforce,
            HubSpot => PersonalityKind.HubSpot,
            ZendeskSell => PersonalityKind.ZendeskSell,
            Genesys => PersonalityKind.Genesys,
            Xero => PersonalityKind.Xero,
            Slack => PersonalityKind.Slack,
            _ => (PersonalityKind)(-1),
        };
        return kind >= 0;
    }

    /// <summary>The kind for a (possibly runtime-edited) personality name; unknown names behave as generic.</summary>
    public static PersonalityKind Resolve(string? name) => TryResolve(name, out var kind) ? kind : PersonalityKind.Generic;

    public static string UnknownMessage(string? name) =>
        $"unknown personality '{name}'; valid personalities: {string.Join(", ", Names)}";

    public static SimulatorOptions Create(string name)
    {
        if (!TryResolve(name, out var kind))
        {
            throw new ArgumentException(UnknownMessage(name), nameof(name));
        }

        var options = new SimulatorOptions { Personality = Names[(int)kind] };
        switch (kind)
        {
            case PersonalityKind.Salesforce:
                options.AccessTtl = SimulatorDefaults.SalesforceAccessTtl;
                options.ExpiresIn = ExpiresInStyle.Omit;
                options.Rotation = RotationMode.None;
                options.RefreshIdleTtl = SimulatorDefaults.SalesforceRefreshIdleTtl;
                break;
            case PersonalityKind.HubSpot:
                options.AccessTtl = SimulatorDefaults.HubSpotAccessTtl;
                options.Rotation = RotationMode.None;
                break;
            case PersonalityKind.ZendeskSell:
                options.AccessTtl = SimulatorDefaults.ZendeskSellAccessTtl;
                options.Rotation = RotationMode.Rotate;
                break;
            case PersonalityKind.Genesys:
                options.AccessTtl = SimulatorDefaults.GenesysAccessTtl;
                options.TokenFormat = TokenFormat.Jwt;
                options.Clients[0].GrantTypes = [SimulatorGrantTypes.ClientCredentials];
                break;
            case PersonalityKind.Xero:
                options.AccessTtl = SimulatorDefaults.XeroAccessTtl;
                options.Rotation = RotationMode.Grace;
                options.RotationGrace = SimulatorDefaults.XeroRotationGrace;
                options.RefreshIdleTtl = SimulatorDefaults.XeroRefreshIdleTtl;
                break;
            case PersonalityKind.Slack:
                options.AccessTtl = SimulatorDefaults.SlackAccessTtl;
                options.Rotation = RotationMode.Rotate;
                break;
            case PersonalityKind.Generic:
            default:
                break;
        }

        return options;
    }
}
