using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.OpenAI;
using McpSubAgent.Completions.Usage;
using McpSubAgent.SubAgentServer.Agents;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>
/// Projects a run's events onto a Responses API <c>response</c>: its output items, and the stream events that build
/// them (<c>response.output_item.added</c> … <c>response.completed</c>, numbered by <c>sequence_number</c>). A plain
/// answer uses the same projection and keeps only the final object, so both forms always agree.
/// </summary>
internal sealed partial class ResponseBuilder
{
    private readonly JsonObject _response;
    private readonly JsonArray _output = [];
    private readonly List<(string Type, JsonObject Data)> _events = [];
    private readonly ResponsesRequest _request;
    private readonly bool _stream;
    private readonly IReadOnlySet<string> _listedLabels;
    private readonly IReadOnlyDictionary<string, string> _approvalIdsByCallId;
    private readonly Dictionary<string, (int Index, JsonObject Item)> _calls = new(StringComparer.Ordinal);
    private readonly JsonArray _loginLinks = [];
    private readonly StringBuilder _text = new();
    private (int Index, JsonObject Item)? _message;
    private (int Index, JsonObject Item)? _reasoning;
    private readonly StringBuilder _reasoningText = new();
    private int _sequence;
    private string? _engineText;

    /// <param name="id">The response id.</param>
    /// <param name="model">The model that answers.</param>
    /// <param name="createdAt">Unix seconds.</param>
    /// <param name="request">The request.</param>
    /// <param name="listedLabels">Servers whose listing the conversation already has: no new <c>mcp_list_tools</c> item for them.</param>
    /// <param name="approvalIdsByCallId">For answered approvals: the approval id of each held call, by the model's call id.</param>
    public ResponseBuilder(
        string id, string model, long createdAt, ResponsesRequest request, IReadOnlySet<string> listedLabels,
        IReadOnlyDictionary<string, string> approvalIdsByCallId)
    {
        _request = request;
        _stream = request.Stream;
        _listedLabels = listedLabels;
        _approvalIdsByCallId = approvalIdsByCallId;
        _response = new JsonObject
        {
            ["id"] = id,
            ["object"] = "response",
            ["created_at"] = createdAt,
            ["status"] = "in_progress",
            ["background"] = request.Background,
            ["error"] = null,
            ["incomplete_details"] = null,
            ["instructions"] = request.Instructions,
            ["max_output_tokens"] = request.MaxOutputTokens,
            ["model"] = model,
            ["output"] = new JsonArray(),
            ["parallel_tool_calls"] = request.ParallelToolCalls,
            ["previous_response_id"] = request.PreviousResponseId,
            ["reasoning"] = new JsonObject { ["effort"] = null, ["summary"] = null },
            ["store"] = request.Store,
            ["temperature"] = request.Temperature ?? 1.0,
            ["text"] = new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } },
            ["tool_choice"] = request.ToolChoice.DeepClone(),
            ["tools"] = request.Tools.DeepClone(),
            ["top_p"] = request.TopP ?? 1.0,
            ["truncation"] = "disabled",
            ["usage"] = null,
            ["user"] = request.User,
            ["metadata"] = request.Metadata.DeepClone(),
        };
    }

    public string Id => (string)_response["id"]!;

    public string Status => (string)_response["status"]!;

    /// <summary>The response with its output so far.</summary>
    public JsonObject Response => Snapshot();

    /// <summary>The output items so far (for the conversation a later response continues).</summary>
    public IEnumerable<JsonObject> OutputItems => _output.OfType<JsonObject>();

    /// <summary>Takes the stream events produced since the last call.</summary>
    public IReadOnlyList<(string Type, JsonObject Data)> TakeEvents()
    {
        var events = _events.ToList();
        _events.Clear();
        return events;
    }

    /// <summary>The first events of a stream: the response was created and is in progress.</summary>
    public void Start()
    {
        Emit("response.created", new JsonObject { ["response"] = Snapshot() });
        Emit("response.in_progress", new JsonObject { ["response"] = Snapshot() });
    }

    public void Add(CompletionEvent completionEvent)
    {
        // The engine's own text (tool blocks, notes) is left out, as the items say it; only a login's text is shown.
        var engineText = _engineText;
        _engineText = completionEvent is ContentDelta { FromModel: false } note ? note.Text : null;
        switch (completionEvent)
        {
            case McpToolsListed listed:
                foreach (var server in listed.Servers)
                {
                    var label = server.Server.Label ?? server.Server.ServerUrl.Host;
                    if (server.Error is not null || !_listedLabels.Contains(label))
                    {
                        AddToolList(label, server.Tools, server.Error);
                    }
                }

                break;
            case ContentDelta { FromModel: true, Text.Length: > 0 } delta:
                AppendText(delta.Text);
                break;
            case ReasoningDelta { Text.Length: > 0 } reasoning:
                AppendReasoning(reasoning.Text);
                break;
            case LoginPending when engineText is not null:
                AppendText(engineText);
                break;
            case LoginRequired login:
                if (engineText is not null)
                {
                    AppendText(engineText);
                }

                CloseMessage();
                foreach (var link in login.Links)
                {
                    var label = LabelOf(link.ServerUrl);
                    _loginLinks.Add(new JsonObject { ["server_label"] = label, ["server_url"] = link.ServerUrl.AbsoluteUri, ["url"] = link.Url.AbsoluteUri });
                    AddToolList(label, [], $"Login required: {link.Url.AbsoluteUri}");
                }

                break;
            case ToolRoundStarting:
                CloseMessage();
                break;
            case ToolCallStarted started:
                StartCall(started.Call);
                break;
            case ToolCallCompleted completed:
                CompleteCall(completed);
                break;
            case ApprovalRequired approvals:
                CloseMessage();
                foreach (var approval in approvals.Approvals)
                {
                    AddDone(new JsonObject
                    {
                        ["type"] = "mcp_approval_request",
                        ["id"] = approval.Id,
                        ["name"] = approval.ToolName,
                        ["arguments"] = approval.Arguments,
                        ["server_label"] = LabelOf(approval.ServerUrl),
                    });
                }

                break;
            case ClientToolCallsRequested requested:
                CloseMessage();
                foreach (var call in requested.ToolCalls.OfType<JsonObject>())
                {
                    var callId = (string?)call["id"] ?? "";
                    if (!callId.StartsWith(McpCompletionsEngine.ApprovalIdPrefix, StringComparison.Ordinal))
                    {
                        AddFunctionCall(callId, (string?)call["function"]?["name"] ?? "", (string?)call["function"]?["arguments"] ?? "");
                    }
                }

                break;
            case CompletionFinished finished:
                Finish(finished);
                break;
        }
    }

    /// <summary>The run failed after the response began: <c>error</c>, then <c>response.failed</c> with the error.</summary>
    public void Fail(OpenAIError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        CloseMessage();
        CloseReasoning();
        _response["status"] = "failed";
        _response["error"] = new JsonObject { ["code"] = error.Code ?? "server_error", ["message"] = error.Message };
        Emit("error", new JsonObject { ["code"] = error.Code, ["message"] = error.Message, ["param"] = error.Param });
        Emit("response.failed", new JsonObject { ["response"] = Snapshot() });
    }

    /// <summary>A background response waits in the task queue.</summary>
    public void Queue() => _response["status"] = "queued";

    /// <summary>The run was stopped (the response was cancelled).</summary>
    public void Cancel()
    {
        CloseMessage();
        CloseReasoning();
        _response["status"] = "cancelled";
    }

    private void Finish(CompletionFinished finished)
    {
        CloseMessage();
        CloseReasoning();
        _response["usage"] = Usage(finished.Usage);
        var (status, reason) = RunStatus.ForResponse(finished.FinishReason, finished.Outcome);
        _response["status"] = status;
        _response["incomplete_details"] = reason is null ? null : new JsonObject { ["reason"] = reason };
        Emit(status == "completed" ? "response.completed" : "response.incomplete", new JsonObject { ["response"] = Snapshot() });
    }

    private string LabelOf(Uri serverUrl) => _request.Labels.GetValueOrDefault(serverUrl) ?? serverUrl.Host;

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

    private void AppendText(string text)
    {
        if (_message is null)
        {
            var item = new JsonObject
            {
                ["type"] = "message", ["id"] = ResponseIds.Message(), ["status"] = "in_progress", ["role"] = "assistant", ["content"] = new JsonArray(),
            };
            var index = Added(item);
            _message = (index, item);
            Emit("response.content_part.added", TextEvent(index, item, new JsonObject { ["part"] = TextPart("") }));
        }

        _text.Append(text);
        var (i, message) = _message.Value;
        Emit("response.output_text.delta", TextEvent(i, message, new JsonObject { ["delta"] = text, ["logprobs"] = new JsonArray() }));
    }

    private void CloseMessage()
    {
        if (_message is not { } open)
        {
            return;
        }

        var text = _text.ToString();
        Emit("response.output_text.done", TextEvent(open.Index, open.Item, new JsonObject { ["text"] = text, ["logprobs"] = new JsonArray() }));
        Emit("response.content_part.done", TextEvent(open.Index, open.Item, new JsonObject { ["part"] = TextPart(text) }));
        open.Item["content"] = new JsonArray(TextPart(text));
        open.Item["status"] = "completed";
        Done(open.Index, open.Item);
        _message = null;
        _text.Clear();
    }

    /// <summary>The model's reasoning, where the upstream sends it, as a <c>reasoning</c> item before what follows it.</summary>
    private void AppendReasoning(string text)
    {
        if (_reasoning is null)
        {
            CloseMessage();
            var item = new JsonObject
            {
                ["type"] = "reasoning", ["id"] = ResponseIds.Reasoning(), ["summary"] = new JsonArray(), ["content"] = new JsonArray(), ["status"] = "in_progress",
            };
            _reasoning = (Added(item), item);
        }

        _reasoningText.Append(text);
        var (index, reasoning) = _reasoning.Value;
        Emit("response.reasoning_text.delta", TextEvent(index, reasoning, new JsonObject { ["delta"] = text }));
    }

    private void CloseReasoning()
    {
        if (_reasoning is not { } open)
        {
            return;
        }

        var text = _reasoningText.ToString();
        Emit("response.reasoning_text.done", TextEvent(open.Index, open.Item, new JsonObject { ["text"] = text }));
        open.Item["content"] = new JsonArray(new JsonObject { ["type"] = "reasoning_text", ["text"] = text });
        open.Item["status"] = "completed";
        _reasoning = null;
        _reasoningText.Clear();
        Done(open.Index, open.Item);
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

    private void AddDone(JsonObject item) => Done(Added(item), item);

    private int Added(JsonObject item)
    {
        if ((string?)item["type"] != "reasoning")
        {
            CloseReasoning();
        }

        _output.Add(item);
        var index = _output.Count - 1;
        Emit("response.output_item.added", new JsonObject { ["output_index"] = index, ["item"] = item.DeepClone() });
        return index;
    }

    private void Done(int index, JsonObject item) =>
        Emit("response.output_item.done", new JsonObject { ["output_index"] = index, ["item"] = item.DeepClone() });

    private void Emit(string type, JsonObject data)
    {
        if (!_stream)
        {
            return;
        }

        var ordered = new JsonObject { ["type"] = type, ["sequence_number"] = _sequence++ };
        foreach (var (name, value) in data)
        {
            ordered[name] = value?.DeepClone();
        }

        _events.Add((type, ordered));
    }

    private JsonObject Snapshot()
    {
        var copy = (JsonObject)_response.DeepClone();
        copy["output"] = _output.DeepClone();
        if (_loginLinks.Count > 0)
        {
            copy["mcp_login_required"] = _loginLinks.DeepClone();
        }

        return copy;
    }
}
