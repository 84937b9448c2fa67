using McpSubAgent.Completions.Usage;
using McpSubAgent.SubAgentServer.Agents;
using McpSubAgent.SubAgentServer.Tasks;

namespace McpSubAgent.EndToEnd.Tests.Agents;

/// <summary>
/// The one mapping from the engine's outcome to each surface's status: the wire words of run_agent, tasks and
/// responses are contracts (see ARCHITECTURE.md).
/// </summary>
public sealed class RunStatusTests
{
    [Theory]
    [InlineData(RunOutcome.Completed, "completed", "completed")]
    [InlineData(RunOutcome.ClientToolCalls, "completed", "completed")]
    [InlineData(RunOutcome.MaxRoundsReached, "completed", "completed")]
    [InlineData(RunOutcome.LoginRequired, "auth_required", "auth_required")]
    [InlineData(RunOutcome.ApprovalRequired, "approval_required", "input_required")]
    [InlineData(RunOutcome.Failed, "failed", "failed")]
    [InlineData(RunOutcome.Cancelled, "cancelled", "cancelled")]
    public void FromOutcome_GivesRunAgentsWord_AndTheTasksWord(RunOutcome outcome, string runAgent, string task)
    {
        Assert.Equal(runAgent, RunStatus.FromOutcome(outcome));
        Assert.Equal(task, RunStatus.ForTask(RunStatus.FromOutcome(outcome)));
    }

    [Fact]
    public void EveryOutcome_HasAWordOfItsSurfaces()
    {
        string[] runAgentWords = ["completed", "auth_required", "approval_required", "failed", "cancelled"];
        Assert.All(Enum.GetValues<RunOutcome>(), o => Assert.Contains(RunStatus.FromOutcome(o), runAgentWords));
        Assert.All(Enum.GetValues<RunOutcome>(), o => Assert.Contains(RunStatus.ForTask(RunStatus.FromOutcome(o)), AgentTaskStatus.All));
    }

    [Theory]
    [InlineData("queued", "queued")]
    [InlineData("working", "in_progress")]
    [InlineData("auth_required", "in_progress")]
    [InlineData("completed", "completed")]
    [InlineData("cancelled", "cancelled")]
    [InlineData("failed", "failed")]
    [InlineData(null, "failed")]
    public void ForResponse_OfATask_IsTheResponsesWord(string? task, string response) =>
        Assert.Equal(response, RunStatus.ForResponse(task));

    [Theory]
    [InlineData("stop", RunOutcome.Completed, "completed", null)]
    [InlineData("tool_calls", RunOutcome.ClientToolCalls, "completed", null)]
    [InlineData("length", RunOutcome.Completed, "incomplete", "max_output_tokens")]
    [InlineData("content_filter", RunOutcome.Completed, "incomplete", "content_filter")]
    [InlineData("stop", RunOutcome.MaxRoundsReached, "incomplete", "max_rounds")]
    public void ForResponse_OfARun_IsTheResponsesWordAndReason(string finishReason, RunOutcome outcome, string status, string? reason) =>
        Assert.Equal((status, reason), RunStatus.ForResponse(finishReason, outcome));

    [Fact]
    public void TaskWords_AreTheRunWords() =>
        Assert.Equal(["queued", "working", "auth_required", "input_required", "completed", "failed", "cancelled"], AgentTaskStatus.All);
}
