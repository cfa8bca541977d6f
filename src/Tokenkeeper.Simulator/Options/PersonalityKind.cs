namespace Tokenkeeper.Simulator;

/// <summary>The personalities whose response shapes differ from the generic RFC ones.</summary>
internal enum PersonalityKind
{
    Generic,
    Salesforce,
    HubSpot,
    ZendeskSell,
    Genesys,
    Xero,
    Slack,
}
