using System.Text.Json.Nodes;
using McpSubAgent.Completions.Requests;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Mcp;

/// <summary>An MCP tool offered to the model under <see cref="FunctionName"/>.</summary>
internal sealed record ResolvedMcpTool(string FunctionName, McpServerSpec Server, McpServerSession Session, Tool Tool)
{
    /// <summary>The connection the next call goes through.</summary>
    public McpConnection Connection => Session.Connection;

    /// <summary>The OpenAI function tool definition; the input schema passes through as the server gave it.</summary>
    public JsonObject ToFunctionTool()
    {
        var description = string.IsNullOrWhiteSpace(Tool.Description) ? Tool.Title ?? Tool.Name : Tool.Description;
        var parameters = JsonNode.Parse(Tool.InputSchema.GetRawText()) as JsonObject ?? new JsonObject { ["type"] = "object" };
        return new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = FunctionName,
                ["description"] = $"{description} (via MCP server: {Server.Label ?? Server.ServerUrl.Host})",
                ["parameters"] = parameters,
            },
        };
    }
}
