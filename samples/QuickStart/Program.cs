using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tokenkeeper;
using Tokenkeeper.Hosting;
using Tokenkeeper.Sqlite;

Func<string, string?> env = Environment.GetEnvironmentVariable;
var services = new ServiceCollection();
services.AddTokenkeeper()
    .UseSqliteStore("quickstart.db")                      // encrypted with TOKENKEEPER_KEY (or TOKENKEEPER_KEY_FILE)
    .AddConnection("crm", c =>
    {
        c.Provider = "hubspot";                            // lifetimes, rotation, error quirks
        c.TokenEndpoint = new Uri(env("CRM_TOKEN_URL")!);
        c.ClientId = env("CRM_CLIENT_ID");
        c.ClientSecret = env("CRM_CLIENT_SECRET");
        c.RefreshToken = env("CRM_REFRESH_TOKEN");         // bootstraps once; the store keeps the rotated one
    });
services.AddHttpClient("crm", http => http.BaseAddress = new Uri(env("CRM_API_URL")!))
    .AddTokenkeeperHandler("crm");                         // every request carries a valid token

await using var provider = services.BuildServiceProvider();
var crm = provider.GetRequiredService<IHttpClientFactory>().CreateClient("crm");
try
{
    string? cursor = null;
    for (var page = 1; page <= 20; page++)                 // the first 20 pages, following the API's cursor
    {
        var query = cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor);
        using var response = await crm.GetAsync("api/contacts?limit=100" + query);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var contacts = body.RootElement.TryGetProperty("items", out var items) ? items.GetArrayLength() : 0;
        Console.WriteLine($"page {page} ({contacts} contacts): {(int)response.StatusCode}");
        cursor = body.RootElement.TryGetProperty("next_cursor", out var next) ? next.GetString() : null;
        if (cursor is null)
        {
            break;
        }
    }
}
catch (TokenkeeperException ex)                            // says what happened and what to do; never a token
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

return 0;
