using McpSubAgent.Completions.Requests;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Events;

/// <summary>
/// The run's MCP servers were resolved: for each server, the tools offered to the model (after <c>allowed_tools</c>)
/// or why none could be listed. Comes right after <see cref="RunStarted"/>, once per run that names MCP servers;
/// hosts that show listings (the Responses API's <c>mcp_list_tools</c> items) project it, others ignore it.
/// </summary>
/// <param name="Servers">One entry per server of the request, in request order.</param>
public sealed record McpToolsListed(IReadOnlyList<McpServerTools> Servers) : CompletionEvent;

/// <summary>What listing one server gave.</summary>
/// <param name="Server">The server as the request named it.</param>
/// <param name="Tools">The tools offered to the model; empty when <paramref name="Error"/> is set.</param>
/// <param name="Error">Why the server's tools could not be listed, or null.</param>
public sealed record McpServerTools(McpServerSpec Server, IReadOnlyList<Tool> Tools, string? Error);
