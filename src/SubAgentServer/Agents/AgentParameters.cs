using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>What a sub-agent run is asked to do: the parameters of <c>run_agent</c> and <c>start_agent_task</c>.</summary>
internal sealed record AgentParameters
{
    public const int MaxPromptCharacters = 200_000;
    public const int MaxServers = 20;

    public required string Prompt { get; init; }

    public IReadOnlyList<string> McpServers { get; init; } = [];

    public IReadOnlyList<string> AllowedTools { get; init; } = [];

    public string? Model { get; init; }

    public string? Instructions { get; init; }

    public int? MaxRounds { get; init; }

    public string? Profile { get; init; }

    /// <summary>Which tools of the servers need the user's approval: <c>require_approval</c> of an MCP tool entry; null is "never".</summary>
    public JsonNode? RequireApproval { get; init; }

    /// <summary>The parameters as the tools receive them (the names are the tools' wire contract).</summary>
    public static AgentParameters FromTool(
        string prompt, string[]? mcpServers, string[]? allowedTools, string? model, string? instructions, int? maxRounds, string? profile) => new()
    {
        Prompt = prompt,
        McpServers = mcpServers ?? [],
        AllowedTools = allowedTools ?? [],
        Model = model,
        Instructions = instructions,
        MaxRounds = maxRounds,
        Profile = profile,
    };

    /// <summary>Checks what a tool call cannot be run with; the message is shown to the caller as it is.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Prompt))
        {
            throw new AgentInputException("'prompt' is required: say what the sub-agent should do.");
        }

        if (Prompt.Length > MaxPromptCharacters)
        {
            throw new AgentInputException($"'prompt' has {Prompt.Length:N0} characters; at most {MaxPromptCharacters:N0} are accepted.");
        }

        if (Instructions?.Length > MaxPromptCharacters)
        {
            throw new AgentInputException($"'instructions' has more than {MaxPromptCharacters:N0} characters.");
        }

        if (McpServers.Count > MaxServers)
        {
            throw new AgentInputException($"'mcp_servers' names {McpServers.Count} servers; at most {MaxServers} are accepted.");
        }

        _ = ServerSpecs();

        if (MaxRounds is < 1 or > 100)
        {
            throw new AgentInputException("'max_rounds' must be from 1 to 100.");
        }

        if (Model is { Length: 0 or > 200 })
        {
            throw new AgentInputException("'model' must be a model id of 1 to 200 characters.");
        }
    }

    /// <summary>The run for the engine, starting from <paramref name="messages"/>; throws <see cref="AgentInputException"/> for bad parameters.</summary>
    public CompletionRunRequest ToRunRequest(JsonArray messages)
    {
        Validate();
        try
        {
            // A prompt may name its servers in front matter, as a chat message may.
            return new CompletionRunRequest { Messages = messages, McpServers = ServerSpecs(), Model = Model }.WithFrontMatter();
        }
        catch (InvalidRequestException ex)
        {
            throw new AgentInputException($"'{ex.Param}': {ex.Message}");
        }
    }

    /// <summary>The MCP servers with this run's allowed tools and approval policy, checked as every surface checks them.</summary>
    private List<McpServerSpec> ServerSpecs()
    {
        try
        {
            var policy = McpApprovalPolicy.Parse(RequireApproval, "require_approval");
            IReadOnlySet<string>? allowed = AllowedTools.Count > 0 ? AllowedTools.ToHashSet(StringComparer.Ordinal) : null;
            var specs = new List<McpServerSpec>();
            foreach (var url in McpServers)
            {
                var spec = McpServerSpec.Create(url, "mcp_servers") with { AllowedTools = allowed, RequireApproval = policy };
                if (specs.Any(s => s.ServerUrl == spec.ServerUrl))
                {
                    throw new AgentInputException($"'{url}' is named twice in 'mcp_servers'.");
                }

                specs.Add(spec);
            }

            return specs;
        }
        catch (InvalidRequestException ex)
        {
            throw new AgentInputException($"'{ex.Param}': {ex.Message}");
        }
    }
}
