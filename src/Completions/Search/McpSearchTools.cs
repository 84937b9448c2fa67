using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Search;

/// <summary>The two function tools offered to the model when a request opts in to <c>mcp_search</c>.</summary>
internal static class McpSearchTools
{
    public const string Search = "search_mcp_servers";
    public const string Add = "add_mcp_server";

    public static bool IsSearchTool(string functionName) => functionName is Search or Add;

    public static IEnumerable<JsonObject> Definitions()
    {
        yield return Function(Search,
            "Searches the MCP registry for remote MCP servers that offer tools for a task. Returns each server's name, " +
            "description and URL. Add one with add_mcp_server to use its tools.",
            new JsonObject
            {
                ["query"] = new JsonObject { ["type"] = "string", ["description"] = "Words to search server names and descriptions for." },
                ["limit"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = McpRegistryClient.MaxLimit, ["description"] = "How many servers to return (default 5)." },
            },
            "query");
        yield return Function(Add,
            "Adds an MCP server found by search_mcp_servers to this conversation: its tools are offered from your next turn. " +
            "If the server needs the user to sign in, the user is shown a login link.",
            new JsonObject
            {
                ["url"] = new JsonObject { ["type"] = "string", ["description"] = "The server's URL exactly as search_mcp_servers returned it." },
            },
            "url");
    }

    private static JsonObject Function(string name, string description, JsonObject properties, string required) => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = properties,
                ["required"] = new JsonArray(required),
                ["additionalProperties"] = false,
            },
        },
    };
}
