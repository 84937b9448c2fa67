using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.OpenAI;

/// <summary>Gathers a run's events into one OpenAI <c>chat.completion</c> object, for callers that did not ask for a stream.</summary>
public sealed class ChatCompletionAggregator
{
    private readonly StringBuilder _content = new();
    private JsonArray? _toolCalls;
    private CompletionFinished? _finished;

    /// <summary>Adds one event.</summary>
    public void Add(CompletionEvent completionEvent)
    {
        switch (completionEvent)
        {
            case ContentDelta content:
                _content.Append(content.Text);
                break;
            case ClientToolCallsRequested calls:
                _toolCalls = (JsonArray)calls.ToolCalls.DeepClone();
                foreach (var call in _toolCalls.OfType<JsonObject>())
                {
                    call.Remove("index");
                }

                break;
            case CompletionFinished finished:
                _finished = finished;
                break;
        }
    }

    /// <summary>The completion, with the content of all rounds and the usage summed over them.</summary>
    public JsonObject ToCompletion(string id, string model, long created)
    {
        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = _content.Length > 0 || _toolCalls is null ? _content.ToString() : null,
        };
        if (_toolCalls is not null)
        {
            message["tool_calls"] = _toolCalls;
        }

        var completion = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["finish_reason"] = _finished?.FinishReason ?? "stop",
            }),
            ["usage"] = (_finished?.Usage ?? TokenUsage.Zero).ToJson(),
        };
        if (_finished is { LoginLinks.Count: > 0 })
        {
            completion["mcp_login_required"] = ChatCompletionChunkWriter.LoginLinksJson(_finished.LoginLinks);
        }

        if (_finished is { Approvals.Count: > 0 })
        {
            completion["mcp_approval_required"] = ChatCompletionChunkWriter.ApprovalsJson(_finished.Approvals);
        }

        return completion;
    }
}
