using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions;
using McpSubAgent.SubAgentServer.Agents;
using McpSubAgent.SubAgentServer.Tasks;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>
/// <c>background: true</c>: the run is an agent task (durable: it resumes after a restart and waits for logins in the
/// queue), and the stored response follows it. Whoever reads the response (<c>GET</c>, or a request that continues it)
/// brings it up to date with its task; once the task has ended, the response keeps its final form.
/// </summary>
internal static class BackgroundResponses
{
    public static bool IsPending(StoredResponse response) => response.TaskId is not null && response.Status is RunStatus.Queued or RunStatus.InProgress;

    /// <summary>Brings <paramref name="response"/> (tracked) up to date with its task; true when it changed.</summary>
    public static async Task<bool> RefreshAsync(StoredResponse response, AgentTaskStore tasks, CancellationToken cancellationToken)
    {
        if (!IsPending(response))
        {
            return false;
        }

        var task = await tasks.FindAsync(response.OwnerKey, response.TaskId!, cancellationToken);
        var json = JsonNode.Parse(response.ResponseJson)!.AsObject();
        var status = RunStatus.ForResponse(task?.Status);
        json.Remove("mcp_login_required");
        if (task?.Status == AgentTaskStatus.AuthRequired && task.LoginLinksJson is { } links
            && JsonSerializer.Deserialize(links, AgentTaskJsonContext.Default.ListAgentLoginLink) is { } loginLinks)
        {
            // The task waits in the queue for the person's logins and goes on by itself once they are done.
            json["mcp_login_required"] = new JsonArray([.. loginLinks.Select(l => (JsonNode)new JsonObject { ["server_url"] = l.ServerUrl, ["url"] = l.Url })]);
        }

        if (status == response.Status && json.ContainsKey("mcp_login_required") == (task?.Status == AgentTaskStatus.AuthRequired))
        {
            return false;
        }

        json["status"] = status;
        response.Status = status;
        if (status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled)
        {
            var output = task is null ? [] : Output(task, response);
            json["output"] = new JsonArray([.. output.Select(i => (JsonNode)i.DeepClone())]);
            json["usage"] = task is null ? null : new JsonObject
            {
                ["input_tokens"] = task.PromptTokens,
                ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
                ["output_tokens"] = task.CompletionTokens,
                ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
                ["total_tokens"] = task.TotalTokens,
            };
            json["error"] = status == RunStatus.Failed
                ? new JsonObject { ["code"] = "server_error", ["message"] = task?.Error ?? "The background response's task is gone." }
                : null;
            var conversation = JsonNode.Parse(response.ConversationJson)!.AsArray();
            foreach (var item in output)
            {
                conversation.Add(item);
            }

            response.ConversationJson = conversation.ToJsonString(ReadableJson.Compact);
        }

        response.ResponseJson = json.ToJsonString(ReadableJson.Compact);
        return true;
    }

    /// <summary>
    /// The items of a finished task: an <c>mcp_call</c> for each MCP call of its rounds (from the transcript the task
    /// keeps), then the answer.
    /// </summary>
    private static List<JsonObject> Output(AgentTask task, StoredResponse response)
    {
        var items = new List<JsonObject>();
        var labels = JsonNode.Parse(response.ResponseJson)!["tools"]!.AsArray().OfType<JsonObject>()
            .Where(t => (string?)t["type"] == "mcp").Select(t => (string)t["server_label"]!).ToList();
        var first = AgentTaskRun.Read(task.RequestJson).Run.Messages.Count;
        if (task.TranscriptJson is { } transcriptJson && JsonNode.Parse(transcriptJson) is JsonArray transcript)
        {
            var results = transcript.OfType<JsonObject>().Where(m => (string?)m["role"] == "tool")
                .GroupBy(m => (string?)m["tool_call_id"] ?? "").ToDictionary(g => g.Key, g => (string?)g.First()["content"], StringComparer.Ordinal);
            foreach (var call in transcript.Skip(first).OfType<JsonObject>().Where(m => m["tool_calls"] is JsonArray)
                .SelectMany(m => m["tool_calls"]!.AsArray().OfType<JsonObject>()))
            {
                var function = (string?)call["function"]?["name"] ?? "";
                var label = labels.FirstOrDefault(l => function.StartsWith($"mcp_{l}_", StringComparison.Ordinal));
                var output = results.GetValueOrDefault((string?)call["id"] ?? "");
                items.Add(new JsonObject
                {
                    ["type"] = "mcp_call",
                    ["id"] = ResponseIds.McpCall(),
                    ["name"] = label is null ? function : function[$"mcp_{label}_".Length..],
                    ["arguments"] = (string?)call["function"]?["arguments"] ?? "",
                    ["server_label"] = label ?? "",
                    ["approval_request_id"] = null,
                    ["output"] = output,
                    ["error"] = null,
                    ["status"] = output is null ? "incomplete" : "completed",
                });
            }
        }

        if (task.Output.Length > 0)
        {
            var message = ResponseInput.Message("assistant", [ResponseInput.Part("output_text", task.Output)]);
            message["id"] = ResponseIds.Message();
            message["status"] = "completed";
            message["content"]![0]!["annotations"] = new JsonArray();
            items.Add(message);
        }

        return items;
    }
}
