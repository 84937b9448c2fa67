namespace McpSubAgent.Completions.Requests;

/// <summary>What the answer shows besides the model's own text (request field <c>mcp_output</c>).</summary>
public enum McpOutputMode
{
    /// <summary>Each tool call and its result appear as collapsible markdown blocks (the default).</summary>
    Markdown,

    /// <summary>Only the model's answer, without tool details.</summary>
    Text,
}
