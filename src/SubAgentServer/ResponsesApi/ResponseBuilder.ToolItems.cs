using System.Text.Json.Nodes;
using McpSubAgent.Completions.Events;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>The tool items: <c>mcp_list_tools</c>, <c>mcp_call</c> (started, then completed or failed) and the client's <c>function_call</c>.</summary>
internal sealed partial class ResponseBuilder
{
    private readonly Dictionary<string, (int Index, JsonObject Item)> _calls = new(StringComparer.Ordinal);

    private void AddToolList(string label, IReadOnlyList<Tool> tools, string? error)
    {
        CloseMessage();
        var item = new JsonObject
        {
            ["type"] = "mcp_list_tools", ["id"] = ResponseIds.ToolList(), ["server_label"] = label, ["tools"] = new JsonArray(), ["error"] = null,
        };
        var index = Added(item);
        Emit("response.mcp_list_tools.in_progress", new JsonObject { ["item_id"] = item["id"]!.DeepClone(), ["output_index"] = index });
        item["tools"] = new JsonArray([.. tools.Select(t => (JsonNode)new JsonObject
        {
            ["name"] = t.Name,
            ["description"] = t.Description,
            ["input_schema"] = JsonNode.Parse(t.InputSchema.GetRawText()),
            ["annotations"] = t.Annotations is { } a ? Annotations(a) : null,
        })]);
        item["error"] = error;
        Emit(error is null ? "response.mcp_list_tools.completed" : "response.mcp_list_tools.failed",
            new JsonObject { ["item_id"] = item["id"]!.DeepClone(), ["output_index"] = index });
        Done(index, item);
    }

    private void StartCall(ToolCallInfo call)
    {
        CloseMessage();
        var item = new JsonObject
        {
            ["type"] = "mcp_call",
            ["id"] = ResponseIds.McpCall(),
            ["name"] = call.ToolName,
            ["arguments"] = "",
            ["server_label"] = LabelOf(call.ServerUrl),
            ["approval_request_id"] = _approvalIdsByCallId.GetValueOrDefault(call.Id),
            ["output"] = null,
            ["error"] = null,
            ["status"] = "in_progress",
        };
        var index = Added(item);
        _calls[call.Id] = (index, item);
        var ids = new JsonObject { ["item_id"] = item["id"]!.DeepClone(), ["output_index"] = index };
        Emit("response.mcp_call_arguments.delta", With(ids, "delta", call.Arguments));
        Emit("response.mcp_call_arguments.done", With(ids, "arguments", call.Arguments));
        item["arguments"] = call.Arguments;
        Emit("response.mcp_call.in_progress", (JsonObject)ids.DeepClone());
    }

    private void CompleteCall(ToolCallCompleted completed)
    {
        if (!_calls.TryGetValue(completed.Call.Id, out var open))
        {
            // Denied calls and calls of an approved round that is no longer offered never started.
            StartCall(completed.Call);
            open = _calls[completed.Call.Id];
        }

        var (index, item) = open;
        var succeeded = completed.Status == ToolCallStatus.Succeeded;
        item["output"] = succeeded ? completed.Result : null;
        item["error"] = succeeded ? null : completed.Result;
        item["status"] = succeeded ? "completed" : "failed";
        Emit(succeeded ? "response.mcp_call.completed" : "response.mcp_call.failed",
            new JsonObject { ["item_id"] = item["id"]!.DeepClone(), ["output_index"] = index });
        Done(index, item);
        _calls.Remove(completed.Call.Id);
    }

    private void AddFunctionCall(string callId, string name, string arguments)
    {
        var item = new JsonObject
        {
            ["type"] = "function_call", ["id"] = ResponseIds.FunctionCall(), ["call_id"] = callId, ["name"] = name, ["arguments"] = "", ["status"] = "in_progress",
        };
        var index = Added(item);
        var ids = new JsonObject { ["item_id"] = item["id"]!.DeepClone(), ["output_index"] = index };
        Emit("response.function_call_arguments.delta", With(ids, "delta", arguments));
        Emit("response.function_call_arguments.done", With(ids, "arguments", arguments));
        item["arguments"] = arguments;
        item["status"] = "completed";
        Done(index, item);
    }
}
