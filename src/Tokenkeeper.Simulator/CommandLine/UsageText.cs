namespace Tokenkeeper.Simulator;

/// <summary>The text of <c>--help</c>.</summary>
internal static class UsageText
{
    public const string Text = """
        Tokenkeeper provider simulator: a real OAuth 2.0 server and CRM-style API whose lifetimes, rotation and
        faults can be dialled. Listens on 127.0.0.1. Docs: docs/simulator.md.

        Usage: tokenkeeper simulate [flags]
               dotnet run --project src/Tokenkeeper.Simulator -- [flags]

        Durations: 500ms, 30s, 5m, 12h, 90d. Rates: 10/1m, 100/1s. Probabilities: 0 to 1.

          --personality NAME          preset: generic, salesforce, hubspot, zendesk-sell, genesys, xero, slack
                                      (applied first; other flags override it)      [generic]
          --access-ttl D              access-token lifetime                         [1h]
          --expires-in STYLE          number | string | omit (Salesforce style)     [number]
          --token-format F            opaque | jwt                                  [opaque]
          --refresh-absolute-ttl D    refresh tokens die D after the grant started  [off]
          --refresh-idle-ttl D        a refresh token dies after D unused           [off]
          --rotation MODE             none | rotate | grace:D | reuse-detection     [rotate]
          --reuse-interval D          reuse-detection leeway for the previous token [0s]
          --rate-limit N/W            token-endpoint limit per client, or off       [off]
          --token-delay D             slow provider: hold every token-endpoint      [0s]
                                      answer D after processing (a refresh has
                                      already rotated; unlike the delay fault)
          --fault-rate P              token-endpoint fault probability              [0]
          --faults LIST               503,500,429[:D],delay[:D],drop-before,drop-after,
                                      html[:200|:502],truncated,error-in-200       [none]
          --api-fault-rate P          resource-API fault probability                [0]
          --api-faults LIST           same names as --faults                        [none]
          --clock-skew D              shown clock runs ahead (or -D behind)         [0s]
          --revoke-rate P             chance an API call revokes its access token   [0]
          --no-introspection          no RFC 7662 introspection: 404, and not in
                                      the discovery document                        [served]
          --contacts N                size of the deterministic dataset             [50000]
          --seed N                    seed of every random choice and the dataset   [1]
          --port N                    loopback port (0 = any free port)             [9300]
          --config FILE               JSON with clients, users and dials
          --log-level L               trace|debug|information|warning|error|none    [information]
          -h, --help                  this text
        """;
}
