namespace McpSubAgent.Completions.Search;

/// <summary>A server of the MCP registry that can be added to a run: it has a remote streamable-HTTP endpoint.</summary>
/// <param name="Name">The registry name (<c>io.github.owner/server</c>).</param>
/// <param name="Description">What the server says it does.</param>
/// <param name="Version">The version listed.</param>
/// <param name="Url">Its streamable-HTTP endpoint.</param>
internal sealed record McpRegistryServer(string Name, string? Description, string? Version, Uri Url);
