using System.Text;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.SubAgentServer.Agents;

/// <summary>Builds an <see cref="AgentRunResult"/> from a run's events.</summary>
internal sealed class AgentRunAccumulator
{
    private readonly StringBuilder _output = new();
    private readonly List<AgentToolCall> _toolCalls = [];
    private CompletionFinished? _finished;

    /// <summary>The output so far (for progress pages of tasks).</summary>
    public string Output => _output.ToString();

    /// <summary>Rounds completed so far.</summary>
    public int RoundsCompleted { get; private set; }

    public void Add(CompletionEvent completionEvent)
    {
        switch (completionEvent)
        {
            case ContentDelta delta:
                _output.Append(delta.Text);
                break;
            case ToolCallCompleted call:
                _toolCalls.Add(new AgentToolCall(call.Call.ToolName, call.Call.ServerUrl.AbsoluteUri, call.Call.Round,
                    call.Status.ToString().ToLowerInvariant(), (long)call.Duration.TotalMilliseconds));
                break;
            case RoundCompleted:
                RoundsCompleted++;
                break;
            case CompletionFinished finished:
                _finished = finished;
                break;
        }
    }

    public AgentRunResult ToResult() => new()
    {
        Status = _finished is null ? RunStatus.Completed : RunStatus.FromOutcome(_finished.Outcome),
        Approvals = [.. (_finished?.Approvals ?? []).Select(a => new AgentApproval(a.Id, a.ServerUrl.AbsoluteUri, a.ToolName, a.Arguments, a.PageUrl?.AbsoluteUri, a.ExpiresAt))],
        Output = _output.ToString(),
        LoginLinks = [.. (_finished?.LoginLinks ?? []).Select(l => new AgentLoginLink(l.ServerUrl.AbsoluteUri, l.Url.AbsoluteUri))],
        ToolCalls = [.. _toolCalls],
        Usage = Usage(_finished?.Usage ?? TokenUsage.Zero),
    };

    public AgentRunResult ToFailure(string error) => ToResult() with { Status = RunStatus.Failed, Error = error };

    private static AgentUsage Usage(TokenUsage usage) => new(usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens);
}
