using McpSubAgent.IdentityProvider;
using McpSubAgent.IdentityProvider.Broker;
using McpSubAgent.SubAgentServer.Agents;
using McpSubAgent.SubAgentServer.Accounts;
using McpSubAgent.SubAgentServer.Approvals;
using McpSubAgent.SubAgentServer.ChatPage;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.Health;
using McpSubAgent.SubAgentServer.Hosting;
using McpSubAgent.SubAgentServer.McpEndpoint;
using McpSubAgent.SubAgentServer.OpenAIApi;
using McpSubAgent.SubAgentServer.ResponsesApi;
using McpSubAgent.SubAgentServer.Tasks;
using McpSubAgent.SubAgentServer.Usage;

var builder = WebApplication.CreateBuilder(args);

builder.AddDatabase();
builder.AddHealth();
builder.AddTelemetry();
builder.AddBrowserClients();
builder.AddTrustedProxies();
builder.AddSharedDataProtection();
builder.Services.AddMcpIdentityProvider<AppDbContext>();
builder.Services.AddMcpCompletions();
builder.AddToolApprovals();
builder.Services.AddDownstreamLoginBroker<AppDbContext>();
builder.AddAgents();
builder.AddAgentTasks();
builder.AddMcpEndpoint();
builder.AddUsageRecording();
builder.AddOpenAIApi();
builder.AddResponsesApi();
builder.AddChatPage();

var app = builder.Build();
await app.Services.MigrateDatabaseAsync(app.Lifetime.ApplicationStopping);

if (args is [UsersCommand.Name, .. var userArgs])
{
    return await UsersCommand.RunAsync(app.Services, userArgs, Console.Out, Console.Error);
}

if (args is [ClientsCommand.Name, .. var clientArgs])
{
    return await ClientsCommand.RunAsync(app.Services, clientArgs, Console.Out, Console.Error);
}

app.UseLiveness();
app.UseMalformedRequestErrors();
app.UseForwardedHeaders();
app.UseMcpHostValidation();
app.UseHttpsRequirement();
app.UseCors();
app.UseSiteOrApiAuthentication(site =>
{
    site.UseChatPageAssets();
    site.UseMcpIdentityProvider();
    site.UseAuthentication();
});
app.UseAuthorization();
app.UseMcpMessageValidation();

app.MapHealth();
app.MapMcpIdentityProvider();
app.MapDownstreamLoginBroker();
app.MapMcpEndpoint();
app.MapAgentTaskPages();
app.MapToolApprovals();
app.MapOpenAIApi();
app.MapResponsesApi();
app.MapChatPage();

await app.RunAsync();
return 0;

/// <summary>The host's entry point, visible to the end-to-end tests.</summary>
public partial class Program;
