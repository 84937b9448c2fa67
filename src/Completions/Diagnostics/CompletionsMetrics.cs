using System.Diagnostics;
using System.Diagnostics.Metrics;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.Diagnostics;

/// <summary>Counters and histograms of runs, rounds, tool calls, tokens and logins needed.</summary>
internal sealed class CompletionsMetrics
{
    private readonly Counter<long> _runs;
    private readonly Counter<long> _rounds;
    private readonly Counter<long> _toolCalls;
    private readonly Counter<long> _loginsNeeded;
    private readonly Histogram<long> _tokens;
    private readonly Histogram<double> _runDuration;
    private readonly Histogram<double> _toolCallDuration;

    public CompletionsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(CompletionsTelemetry.Name);
        _runs = meter.CreateCounter<long>("mcpsubagent.runs", "{run}", "Runs of the engine, by outcome.");
        _rounds = meter.CreateCounter<long>("mcpsubagent.rounds", "{round}", "Tool rounds.");
        _toolCalls = meter.CreateCounter<long>("mcpsubagent.tool_calls", "{call}", "MCP tool calls, by tool and status.");
        _loginsNeeded = meter.CreateCounter<long>("mcpsubagent.logins_needed", "{login}", "Runs stopped because a server needs the user to log in.");
        _tokens = meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Tokens per upstream call, by type (input, output).");
        _runDuration = meter.CreateHistogram<double>("mcpsubagent.run.duration", "s", "Duration of runs.");
        _toolCallDuration = meter.CreateHistogram<double>("mcpsubagent.tool_call.duration", "s", "Duration of MCP tool calls.");
    }

    public void RunEnded(RunOutcome outcome, string model, TimeSpan duration)
    {
        var tags = new TagList { { "mcpsubagent.outcome", outcome.ToString() }, { "gen_ai.request.model", model } };
        _runs.Add(1, tags);
        _runDuration.Record(duration.TotalSeconds, tags);
        if (outcome == RunOutcome.LoginRequired)
        {
            _loginsNeeded.Add(1, new KeyValuePair<string, object?>("gen_ai.request.model", model));
        }
    }

    public void RoundEnded(string model, TokenUsage usage)
    {
        _rounds.Add(1, new KeyValuePair<string, object?>("gen_ai.request.model", model));
        _tokens.Record(usage.PromptTokens, new TagList { { "gen_ai.token.type", "input" }, { "gen_ai.request.model", model } });
        _tokens.Record(usage.CompletionTokens, new TagList { { "gen_ai.token.type", "output" }, { "gen_ai.request.model", model } });
    }

    public void ToolCallEnded(string toolName, ToolCallStatus status, TimeSpan duration)
    {
        var tags = new TagList { { "gen_ai.tool.name", toolName }, { "mcpsubagent.tool_call.status", status.ToString() } };
        _toolCalls.Add(1, tags);
        _toolCallDuration.Record(duration.TotalSeconds, tags);
    }
}
