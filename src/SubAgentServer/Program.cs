using McpSubAgent.SubAgentServer.Health;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddMcpCompletions();
builder.AddHealth();

var app = builder.Build();

app.MapHealth();

app.Run();

/// <summary>The host's entry point, visible to the end-to-end tests.</summary>
public partial class Program;
