using Microsoft.Extensions.DependencyInjection;
using Tokenkeeper.Hosting;
using Tokenkeeper.Sqlite;

Func<string, string?> env = Environment.GetEnvironmentVariable;
var services = new ServiceCollection();
services.AddTokenkeeper()
    .UseSqliteStore("quickstart.db")                      // encrypted with TOKENKEEPER_KEY
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
for (var page = 1; page <= 20; page++)
{
    using var response = await crm.GetAsync("api/contacts?limit=100");
    Console.WriteLine($"page {page}: {(int)response.StatusCode}");
}
