using System.Diagnostics;
using System.Reflection;

namespace McpSubAgent.Completions.Diagnostics;

/// <summary>
/// The names under which the engine reports traces and metrics. Spans follow the OpenTelemetry GenAI semantic
/// conventions: <c>invoke_agent</c> per run, <c>chat {model}</c> per upstream call, <c>execute_tool {tool}</c> per MCP
/// tool call, with a round span between the run and its calls.
/// </summary>
public static class CompletionsTelemetry
{
    /// <summary>The ActivitySource and Meter name: pass it to <c>AddSource</c> and <c>AddMeter</c>.</summary>
    public const string Name = "McpSubAgent.Completions";

    internal static readonly ActivitySource Source = new(Name,
        typeof(CompletionsTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
}
