namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// Browser-based MCP clients (the MCP Inspector) call discovery, registration, token and /mcp from another origin.
/// Any origin may, without cookies: those endpoints take bearer tokens or client credentials, never the session cookie.
/// </summary>
internal static class CorsExtensions
{
    public static IHostApplicationBuilder AddBrowserClients(this IHostApplicationBuilder builder)
    {
        builder.Services.AddCors(o => o.AddDefaultPolicy(policy => policy
            .AllowAnyOrigin()
            .AllowAnyHeader()
            .AllowAnyMethod()
            .WithExposedHeaders("WWW-Authenticate", "Mcp-Session-Id", "Mcp-Protocol-Version")));
        return builder;
    }
}
