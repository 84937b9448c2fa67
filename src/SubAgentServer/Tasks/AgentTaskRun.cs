using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using McpSubAgent.Completions.Requests;
using McpSubAgent.SubAgentServer.Agents;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// What a task runs, whichever surface started it (<see cref="AgentTask.RequestJson"/>): the engine's run request and
/// what the host needs around it. Every task is run from this one shape; <see cref="Read"/> also reads the two shapes
/// written before it (see <see cref="AgentTaskRequest"/>, and the <c>parameters</c> document the Issue17TaskShape
/// migration made of the former <c>ParametersJson</c> column).
/// </summary>
internal sealed record AgentTaskRun
{
    /// <summary>One of <see cref="AgentTaskSurface"/>.</summary>
    [JsonPropertyName("surface")]
    public required string Surface { get; init; }

    [JsonPropertyName("run")]
    public required StoredRunRequest Run { get; init; }

    /// <summary>True when an app started it without an end user: a needed login fails the task.</summary>
    [JsonPropertyName("login_needs_end_user")]
    public bool LoginNeedsEndUser { get; init; }

    /// <summary>
    /// Read from a shape of an earlier version, whose transcripts keep the front matter of their first message: it is
    /// taken out again when the task resumes (the servers it names are in <see cref="Run"/> already).
    /// </summary>
    [JsonIgnore]
    public bool KeepsFrontMatterInTranscript { get; private init; }

    public static AgentTaskRun Create(string surface, CompletionRunRequest run, bool loginNeedsEndUser = false) =>
        new() { Surface = surface, Run = StoredRunRequest.From(run), LoginNeedsEndUser = loginNeedsEndUser };

    /// <summary>The run of <c>start_agent_task</c>: the instructions and the prompt, with the parameters' servers and profile.</summary>
    /// <exception cref="AgentInputException">The parameters are not valid.</exception>
    public static AgentTaskRun FromParameters(AgentParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var run = parameters.ToRunRequest(AgentRunner.InitialMessages(parameters));

        // The parameter's profile comes before the prompt's front matter, as on run_agent.
        return Create(AgentTaskSurface.AgentTask, run with { Profile = parameters.Profile ?? run.Profile });
    }

    public string ToJson() => JsonSerializer.Serialize(this, AgentTaskJsonContext.Default.AgentTaskRun);

    /// <summary>Reads a stored run of this version or of an earlier one.</summary>
    /// <exception cref="AgentInputException">The document is none of them, or holds what the engine refuses.</exception>
    public static AgentTaskRun Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var document = JsonNode.Parse(json) as JsonObject;
            if (document?["run"] is JsonObject)
            {
                return document.Deserialize(AgentTaskJsonContext.Default.AgentTaskRun)!;
            }

            if (document?["request"] is JsonObject)
            {
                // A background chat completion (or response) of an earlier version: its chat-completions body.
                var old = document.Deserialize(AgentTaskJsonContext.Default.AgentTaskRequest)!;
                var run = ChatCompletionRequestParser.Parse(old.Request).Run;
                return Create(AgentTaskSurface.ChatCompletion, run, old.LoginNeedsEndUser) with { KeepsFrontMatterInTranscript = true };
            }

            if (document?["parameters"] is JsonObject parameters)
            {
                // A start_agent_task of an earlier version: its tool parameters.
                var old = parameters.Deserialize(AgentTaskJsonContext.Default.AgentParameters)!;
                return FromParameters(old with { McpServers = old.McpServers ?? [], AllowedTools = old.AllowedTools ?? [] }) with { KeepsFrontMatterInTranscript = true };
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidRequestException)
        {
            throw new AgentInputException($"The task's request could not be read: {ex.Message}");
        }

        throw new AgentInputException("The task's request could not be read.");
    }

    /// <summary>The conversation to continue: the stored transcript of the finished rounds, or the run's own messages.</summary>
    public JsonArray Conversation(string? transcriptJson)
    {
        if (transcriptJson is null || JsonNode.Parse(transcriptJson) is not JsonArray transcript)
        {
            return (JsonArray)Run.Messages.DeepClone();
        }

        return KeepsFrontMatterInTranscript ? ToRunRequest(transcript, request => request.WithFrontMatter()).Messages : transcript;
    }

    /// <summary>The engine's request: the stored run with <paramref name="messages"/> as its conversation.</summary>
    public CompletionRunRequest ToRunRequest(JsonArray messages) => ToRunRequest(messages, request => request);

    private CompletionRunRequest ToRunRequest(JsonArray messages, Func<CompletionRunRequest, CompletionRunRequest> then)
    {
        try
        {
            return then(Run.ToRunRequest(messages));
        }
        catch (InvalidRequestException ex)
        {
            throw new AgentInputException($"The task's request could not be read: {ex.Message}");
        }
    }
}
