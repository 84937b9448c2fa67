using System.Text.Json.Nodes;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.OpenAI;
using McpSubAgent.SubAgentServer.Agents;

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
    private readonly JsonArray _loginLinks = [];
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
