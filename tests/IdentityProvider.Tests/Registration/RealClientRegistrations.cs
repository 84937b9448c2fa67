namespace McpSubAgent.IdentityProvider.Tests.Registration;

/// <summary>The registration bodies that real MCP clients send (from their sources and from servers' logs).</summary>
public static class RealClientRegistrations
{
    public const string Claude = """
        {"client_name":"Claude","redirect_uris":["https://claude.ai/api/mcp/auth_callback"],
         "grant_types":["authorization_code","refresh_token"],"response_types":["code"],
         "token_endpoint_auth_method":"client_secret_post","scope":"claudeai"}
        """;

    public const string ClaudeCode = """
        {"client_name":"Claude Code (sub-agents)","redirect_uris":["http://localhost:54123/callback"],
         "grant_types":["authorization_code","refresh_token"],"response_types":["code"],
         "token_endpoint_auth_method":"none"}
        """;

    public const string Cursor = """
        {"client_name":"Cursor","redirect_uris":["cursor://anysphere.cursor-mcp/oauth/callback",
         "https://www.cursor.com/agents/mcp/oauth/callback","http://localhost:8787/callback"],
         "grant_types":["authorization_code","refresh_token"],"response_types":["code"],
         "token_endpoint_auth_method":"none"}
        """;

    // VS Code's fetchDynamicRegistration: the device grant is asked for when the server lists no grant types.
    public const string VsCode = """
        {"client_name":"Visual Studio Code","client_uri":"https://code.visualstudio.com",
         "grant_types":["authorization_code","refresh_token","urn:ietf:params:oauth:grant-type:device_code"],
         "response_types":["code"],
         "redirect_uris":["https://insiders.vscode.dev/redirect","https://vscode.dev/redirect","http://localhost","http://127.0.0.1",
           "http://localhost:33418","http://127.0.0.1:33418","http://127.0.0.1/","http://127.0.0.1:33418/"],
         "scope":"mcp","token_endpoint_auth_method":"none","application_type":"native"}
        """;

    public const string McpInspector = """
        {"redirect_uris":["http://localhost:6274/oauth/callback","http://localhost:6274/oauth/callback/debug"],
         "token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],
         "response_types":["code"],"client_name":"MCP Inspector",
         "client_uri":"https://github.com/modelcontextprotocol/inspector","scope":"openid profile mcp"}
        """;

    public const string McpRemote = """
        {"redirect_uris":["http://localhost:3334/oauth/callback"],"token_endpoint_auth_method":"none",
         "grant_types":["authorization_code","refresh_token"],"response_types":["code"],
         "client_name":"MCP CLI Proxy","client_uri":"https://github.com/modelcontextprotocol/mcp-cli",
         "software_id":"2e6dc280-f3c3-4e01-99a7-8181dbd1d23d","software_version":"0.1.29"}
        """;

    /// <summary>name, body, confidential, application type, scopes granted.</summary>
    public static TheoryData<string, string, bool, string, string> All => new()
    {
        { "Claude", Claude, true, "web", "openid profile email offline_access mcp" },
        { "Claude Code", ClaudeCode, false, "native", "openid profile email offline_access mcp" },
        { "Cursor", Cursor, false, "native", "openid profile email offline_access mcp" },
        { "VS Code", VsCode, false, "native", "mcp" },
        { "MCP Inspector", McpInspector, false, "native", "openid profile mcp" },
        { "mcp-remote", McpRemote, false, "native", "openid profile email offline_access mcp" },
    };
}
