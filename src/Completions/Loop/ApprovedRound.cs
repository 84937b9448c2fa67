using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Loop;

/// <summary>
/// A round that was held for approval, rebuilt from the caller's answers: the model's own assistant message and, for
/// each of its calls, whether it runs, was denied, or is the caller's own function with the caller's result.
/// </summary>
internal sealed record ApprovedRound(int Round, int AssistantIndex, JsonObject Assistant, IReadOnlyList<ApprovedRound.Call> Calls)
{
    /// <summary>One call of the held round.</summary>
    /// <param name="Id">The model's id of the call.</param>
    /// <param name="FunctionName">The function name the model used.</param>
    /// <param name="Arguments">The arguments as the model wrote them (for held calls, the ones approved).</param>
    /// <param name="Denied">The call needed approval and did not get it.</param>
    /// <param name="Reason">The reason the user gave for a denial, if any.</param>
    /// <param name="ClientResult">The caller's tool message, for a call to the caller's own function.</param>
    public sealed record Call(string Id, string FunctionName, string Arguments, bool Denied, string? Reason, JsonObject? ClientResult);
}
