using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Loop;

/// <summary>The tool calls of a conversation's last assistant message that have no result yet.</summary>
internal sealed record InterruptedRound(int Round, IReadOnlyList<InterruptedRound.Call> Calls)
{
    public sealed record Call(string Id, string FunctionName, string Arguments);

    /// <summary>The unanswered calls when the conversation ends with an assistant message's tool calls (and some of their results); else null.</summary>
    public static InterruptedRound? Find(JsonArray messages)
    {
        var answered = new HashSet<string>(StringComparer.Ordinal);
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i] is not JsonObject message)
            {
                return null;
            }

            var role = (string?)message["role"];
            if (role == "tool")
            {
                if ((string?)message["tool_call_id"] is { } id)
                {
                    answered.Add(id);
                }

                continue;
            }

            if (role != "assistant" || message["tool_calls"] is not JsonArray { Count: > 0 } toolCalls)
            {
                return null;
            }

            var open = toolCalls.OfType<JsonObject>()
                .Select(c => new Call((string?)c["id"] ?? "", (string?)c["function"]?["name"] ?? "", (string?)c["function"]?["arguments"] ?? ""))
                .Where(c => !answered.Contains(c.Id))
                .ToList();
            var round = messages.Take(i + 1).OfType<JsonObject>().Count(m => (string?)m["role"] == "assistant" && m["tool_calls"] is JsonArray);
            return open.Count == 0 ? null : new InterruptedRound(round, open);
        }

        return null;
    }
}
