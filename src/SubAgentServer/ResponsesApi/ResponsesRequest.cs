using System.Text.Json.Nodes;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>A validated <c>POST /v1/responses</c> body, with the engine's run request it asks for (its messages still to add).</summary>
internal sealed record ResponsesRequest
{
    /// <summary>
    /// The run without its conversation: the MCP servers, the function tools in chat-completions form, the model, the
    /// upstream fields (sampling, <c>tool_choice</c>, <c>user</c>, pass-through fields) and the engine's own fields.
    /// </summary>
    public required CompletionRunRequest Run { get; init; }

    /// <summary>This request's input as items (a string input becomes one user message).</summary>
    public required JsonArray Input { get; init; }

    public string? Model { get; init; }

    public string? Instructions { get; init; }

    public bool Stream { get; init; }

    public bool Store { get; init; } = true;

    public bool Background { get; init; }

    public string? PreviousResponseId { get; init; }

    public string? User { get; init; }

    public required JsonObject Metadata { get; init; }

    /// <summary>The tools as the response echoes them (without credentials).</summary>
    public required JsonArray Tools { get; init; }

    public required JsonNode ToolChoice { get; init; }

    public bool ParallelToolCalls { get; init; } = true;

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? MaxOutputTokens { get; init; }

    /// <summary>The <c>server_label</c> of each MCP server, by its URL.</summary>
    public required IReadOnlyDictionary<Uri, string> Labels { get; init; }

    /// <summary>Whether any MCP tool may ask for approval.</summary>
    public bool MayHoldForApproval { get; init; }

    /// <summary>Whether function tools were given (their calls come back to the caller).</summary>
    public bool HasFunctionTools { get; init; }
}
