using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.Loop;

/// <summary>What one upstream call answered, gathered from its chunks.</summary>
internal sealed class UpstreamRound
{
    private readonly List<ToolCallBuilder> _toolCalls = [];

    public StringBuilder Content { get; } = new();

    /// <summary>Reasoning text that arrived since the engine last took it (<c>reasoning_content</c> or <c>reasoning</c>).</summary>
    public StringBuilder NewReasoning { get; } = new();

    /// <summary>Takes the reasoning text that arrived since the last call; null when there is none.</summary>
    public string? TakeReasoning()
    {
        if (NewReasoning.Length == 0)
        {
            return null;
        }

        var text = NewReasoning.ToString();
        NewReasoning.Clear();
        return text;
    }

    public string? FinishReason { get; set; }

    public TokenUsage Usage { get; set; }

    public IReadOnlyList<ToolCallBuilder> ToolCalls => _toolCalls;

    /// <summary>Merges one streamed tool-call delta: the first delta of a call carries its id and name, later ones pieces of its arguments.</summary>
    public void AddToolCallDelta(JsonObject delta)
    {
        var index = delta["index"] is JsonValue v && v.TryGetValue(out int i) ? i : (int?)null;
        var id = (string?)delta["id"];
        var builder = index is not null
            ? _toolCalls.FirstOrDefault(c => c.Index == index)
            : _toolCalls.FirstOrDefault(c => id is not null && c.Id == id) ?? (id is null ? _toolCalls.LastOrDefault() : null);
        if (builder is null)
        {
            builder = new ToolCallBuilder(index ?? _toolCalls.Count);
            _toolCalls.Add(builder);
        }

        if (!string.IsNullOrEmpty(id))
        {
            builder.Id = id;
        }

        if (delta["function"] is JsonObject function)
        {
            // Providers send the name once; a few repeat it whole in later chunks.
            if ((string?)function["name"] is { Length: > 0 } name && builder.Name.ToString() != name)
            {
                builder.Name.Append(name);
            }

            if ((string?)function["arguments"] is { } arguments)
            {
                builder.Arguments.Append(arguments);
            }
        }
    }
}

/// <summary>A tool call being assembled from stream chunks.</summary>
internal sealed class ToolCallBuilder(int index)
{
    public int Index { get; } = index;

    public string Id { get; set; } = "";

    public StringBuilder Name { get; } = new();

    public StringBuilder Arguments { get; } = new();

    /// <summary>OpenAI's <c>tool_calls</c> item.</summary>
    public JsonObject ToJson(int? renumberedIndex = null)
    {
        var call = new JsonObject();
        if (renumberedIndex is { } i)
        {
            call["index"] = i;
        }

        call["id"] = Id;
        call["type"] = "function";
        call["function"] = new JsonObject { ["name"] = Name.ToString(), ["arguments"] = Arguments.ToString() };
        return call;
    }
}
