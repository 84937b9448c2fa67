using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Credentials;
using McpSubAgent.Completions.Events;

namespace McpSubAgent.Completions.OpenAI;

/// <summary>
/// Turns a run's events into OpenAI <c>chat.completion.chunk</c> objects under one completion id: text as content
/// deltas, caller tool calls as a tool-call delta, one final chunk with the finish reason, then the summed usage when
/// the caller asked for it.
/// </summary>
public sealed class ChatCompletionChunkWriter(string id, string model, long created, bool includeUsage)
{
    private bool _roleSent;

    /// <summary>The chunks for one event (none for events that OpenAI's format has no place for).</summary>
    public IEnumerable<JsonObject> ToChunks(CompletionEvent completionEvent)
    {
        switch (completionEvent)
        {
            case RunStarted:
                // The first chunk goes out as soon as the run is accepted, before the model has said anything.
                yield return Chunk(Delta(new JsonObject { ["content"] = "" }), null);
                break;
            case ContentDelta { Text.Length: > 0 } content:
                yield return Chunk(Delta(new JsonObject { ["content"] = content.Text }), null);
                break;
            case ClientToolCallsRequested calls:
                yield return Chunk(Delta(new JsonObject { ["tool_calls"] = calls.ToolCalls.DeepClone() }), null);
                break;
            case CompletionFinished finished:
                var last = Chunk(Delta([]), finished.FinishReason);
                if (finished.LoginLinks.Count > 0)
                {
                    last["mcp_login_required"] = LoginLinksJson(finished.LoginLinks);
                }

                if (finished.Approvals.Count > 0)
                {
                    last["mcp_approval_required"] = ApprovalsJson(finished.Approvals);
                }

                yield return last;
                if (includeUsage)
                {
                    var usage = Envelope();
                    usage["choices"] = new JsonArray();
                    usage["usage"] = finished.Usage.ToJson();
                    yield return usage;
                }

                break;
        }
    }

    /// <summary>The machine-readable form of held calls: <c>[{id, server_url, tool, arguments, expires_at, url}]</c>.</summary>
    public static JsonArray ApprovalsJson(IEnumerable<McpToolApproval> approvals) =>
        new([.. approvals.Select(a => (JsonNode)new JsonObject
        {
            ["id"] = a.Id,
            ["server_url"] = a.ServerUrl.AbsoluteUri,
            ["tool"] = a.ToolName,
            ["arguments"] = a.Arguments,
            ["expires_at"] = a.ExpiresAt.ToUnixTimeSeconds(),
            ["url"] = a.PageUrl?.AbsoluteUri,
        })]);

    /// <summary>The machine-readable form of needed logins: <c>[{server_url, url}]</c>.</summary>
    public static JsonArray LoginLinksJson(IEnumerable<McpLoginLink> links) =>
        new([.. links.Select(l => (JsonNode)new JsonObject { ["server_url"] = l.ServerUrl.AbsoluteUri, ["url"] = l.Url.AbsoluteUri })]);

    private JsonObject Delta(JsonObject delta)
    {
        if (!_roleSent)
        {
            _roleSent = true;
            var withRole = new JsonObject { ["role"] = "assistant" };
            foreach (var (name, value) in delta.ToArray())
            {
                delta.Remove(name);
                withRole[name] = value;
            }

            return withRole;
        }

        return delta;
    }

    private JsonObject Chunk(JsonObject delta, string? finishReason)
    {
        var chunk = Envelope();
        chunk["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["finish_reason"] = finishReason,
        });
        return chunk;
    }

    private JsonObject Envelope() => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
    };
}
