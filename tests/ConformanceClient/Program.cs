using System.Net;
using System.Text.Json;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.ConformanceClient;
using McpSubAgent.IdentityProvider.Broker;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using ModelContextProtocol.Client;

// The conformance suite runs: McpSubAgent.ConformanceClient <server url>, with the scenario in MCP_CONFORMANCE_SCENARIO
// and, for pre-registration, the client's credentials in MCP_CONFORMANCE_CONTEXT. This program is a minimal host of the
// login broker (its callback page on loopback Kestrel, its tables in a throwaway SQLite file) and a person's browser
// that opens the login links; every OAuth step is the broker's.
if (args.Length == 0 || !Uri.TryCreate(args[^1], UriKind.Absolute, out var serverUrl))
{
    await Console.Error.WriteLineAsync("usage: McpSubAgent.ConformanceClient <mcp server url>");
    return 2;
}

const int MaxLogins = 3;
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var settings = new Dictionary<string, string?>
{
    // The suite expects exactly this client id where it offers client ID metadata documents; it never fetches it.
    ["Broker:ClientMetadataDocumentUrl"] = "https://conformance-test.local/client-metadata.json",
    ["Broker:ClientName"] = "McpSubAgent conformance client",
};
if (Environment.GetEnvironmentVariable("MCP_CONFORMANCE_CONTEXT") is { Length: > 0 } contextJson)
{
    var context = JsonDocument.Parse(contextJson).RootElement;
    if (context.TryGetProperty("client_id", out var clientId))
    {
        var host = serverUrl.Host;
        settings[$"Broker:PreRegisteredClients:{host}:ClientId"] = clientId.GetString();
        settings[$"Broker:PreRegisteredClients:{host}:ClientSecret"] = context.TryGetProperty("client_secret", out var secret) ? secret.GetString() : null;
    }
}

builder.Configuration.AddInMemoryCollection(settings);
var database = Path.Combine(Directory.CreateTempSubdirectory("mcpsubagent-conformance-").FullName, "broker.db");
builder.Services.AddDbContext<ConformanceDbContext>(o => o.UseSqlite($"Data Source={database}"));
builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
builder.Services.AddRazorPages();
builder.Services.AddMcpCompletions(o => o.AllowPrivateNetworkServers = true);
builder.Services.AddDownstreamLoginBroker<ConformanceDbContext>();

await using var app = builder.Build();
app.MapRazorPages();
await using (var scope = app.Services.CreateAsyncScope())
{
    await scope.ServiceProvider.GetRequiredService<ConformanceDbContext>().Database.EnsureCreatedAsync();
}

await app.StartAsync();
var credentials = app.Services.GetRequiredService<IMcpCredentialProvider>();
var request = new McpCredentialRequest("conformance-user", null, serverUrl, new Dictionary<string, string>());
var logins = 0;
while (true)
{
    var credential = await credentials.GetCredentialAsync(request, CancellationToken.None);
    if (credential is McpCredential.LoginRequired login)
    {
        if (++logins > MaxLogins)
        {
            await Console.Error.WriteLineAsync($"Giving up after {MaxLogins} logins: the server keeps refusing.");
            return 1;
        }

        await OpenInBrowserAsync(login.LoginUrl);
        credential = await credentials.GetCredentialAsync(request with { RejectedAuthorization = null, Challenge = null }, CancellationToken.None);
    }

    if (credential is not McpCredential.Ready ready)
    {
        await Console.Error.WriteLineAsync($"No credential: {credential}");
        return 1;
    }

    var refusals = new RefusalRecorder();
    try
    {
        await ListAndCallAsync(ready.Authorization, refusals);
        await Console.Out.WriteLineAsync("Listed the tools and called one.");
        return 0;
    }
    catch (Exception ex) when (refusals.Refused)
    {
        // As the engine does: the port gets the refused value and the challenge, and answers with a login link.
        await Console.Error.WriteLineAsync($"Refused ({ex.Message}); challenge: {refusals.Challenge}");
        request = request with { RejectedAuthorization = ready.Authorization ?? "", Challenge = refusals.Challenge };
    }
}

async Task ListAndCallAsync(string? authorization, RefusalRecorder refusals)
{
    var headers = new Dictionary<string, string>();
    if (authorization is not null)
    {
        headers["Authorization"] = authorization;
    }

    var transport = new HttpClientTransport(
        new HttpClientTransportOptions { Endpoint = serverUrl, TransportMode = HttpTransportMode.StreamableHttp, AdditionalHeaders = headers },
        new HttpClient(refusals),
        ownsHttpClient: true);
    await using var client = await McpClient.CreateAsync(transport);
    var tools = await client.ListToolsAsync();
    var tool = tools.FirstOrDefault() ?? throw new InvalidOperationException("The server lists no tools.");
    var result = await client.CallToolAsync(tool.Name, new Dictionary<string, object?>());
    if (result.IsError == true)
    {
        throw new InvalidOperationException($"{tool.Name} failed.");
    }
}

// The person's browser: opens the link and follows the redirects through the authorization server to our callback.
static async Task OpenInBrowserAsync(Uri link)
{
    using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 10 });
    using var page = await browser.GetAsync(link);
    var html = await page.Content.ReadAsStringAsync();
    if (page.StatusCode != HttpStatusCode.OK || !html.Contains("is connected", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"The login did not complete ({(int)page.StatusCode}): {html}");
    }
}
