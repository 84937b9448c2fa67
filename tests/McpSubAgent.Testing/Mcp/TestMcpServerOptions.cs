namespace McpSubAgent.Testing.Mcp;

/// <summary>Configuration of a <see cref="TestMcpServer"/>.</summary>
public sealed class TestMcpServerOptions
{
    /// <summary>
    /// Maps to the SDK's HttpServerTransportOptions.Stateless. Stateless servers cannot push
    /// notifications/tools/list_changed; set false (stateful sessions) to test them.
    /// </summary>
    public bool Stateless { get; set; } = true;

    /// <summary>The port on 127.0.0.1; 0 (the default) lets the system choose. Set it to restart a server at the same URL.</summary>
    public int Port { get; set; }

    /// <summary>The MCP endpoint path; must start with '/'.</summary>
    public string Path { get; set; } = "/mcp";

    /// <summary>Reported as serverInfo.name.</summary>
    public string ServerName { get; set; } = "test-mcp";

    /// <summary>Adds tools generated_tool_000, generated_tool_001, ... each returning its own name.</summary>
    public int GeneratedToolCount { get; set; }

    /// <summary>Additional tools with exactly these names (e.g. very long ones), each returning its own name.</summary>
    public IReadOnlyList<string> ExtraToolNames { get; set; } = [];

    /// <summary>
    /// When set, requests to the MCP endpoint without "Authorization: Bearer {token}" get 401 with
    /// "WWW-Authenticate: Bearer" before the SDK sees them.
    /// </summary>
    public string? RequiredBearerToken { get; set; }

    /// <summary>
    /// Adds two slow tools that write: <c>send_slowly</c> (neither read-only nor idempotent, like sending an e-mail) and
    /// <c>put_slowly</c> (idempotent, like setting a value); both take <c>milliseconds</c> and honour cancellation.
    /// </summary>
    public bool SideEffectTools { get; set; }

    /// <summary>Clock for <see cref="RecordedToolCall.At"/> and the delay of the <c>slow</c> tool.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
