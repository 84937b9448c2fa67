using System.Text;
using System.Text.Json.Nodes;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>The text items: the assistant's <c>message</c> and the model's <c>reasoning</c>, each streamed as deltas and closed once.</summary>
internal sealed partial class ResponseBuilder
{
    private readonly StringBuilder _text = new();
    private (int Index, JsonObject Item)? _message;
    private (int Index, JsonObject Item)? _reasoning;
    private readonly StringBuilder _reasoningText = new();

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
}
