using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions;
using McpSubAgent.Completions.Loop;
using McpSubAgent.SubAgentServer.Agents;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>
/// Asks the calling MCP client's user to approve held tool calls with form-mode elicitation, statelessly: through Multi
/// Round-Trip Requests (MCP 2026-07-28), run_agent answers with an <c>input_required</c> result that carries one
/// elicitation per held call and the run so far as an encrypted, time-limited <c>requestState</c>; the client asks its
/// user and calls run_agent again with the answers, on any replica. The approvals themselves stay bound to the user, the
/// call and its arguments, and are used once: a replayed retry is refused by the engine.
/// </summary>
internal sealed class ApprovalElicitation(IDataProtectionProvider dataProtection, IOptions<CompletionsOptions> options)
{
    private readonly ITimeLimitedDataProtector _protector =
        dataProtection.CreateProtector("McpSubAgent.RunAgent.ApprovalElicitation.v1").ToTimeLimitedDataProtector();

    /// <summary>
    /// True when the client can be asked: it speaks MRTR (the only way a stateless server can ask) and declared form-mode
    /// elicitation (an empty <c>elicitation</c> capability means form mode).
    /// </summary>
    public static bool CanAsk(McpServer server) =>
        server.IsMrtrSupported && server.ClientCapabilities?.Elicitation is { } elicitation && (elicitation.Form is not null || elicitation.Url is null);

    /// <summary>
    /// The most characters of request state a client is asked to carry back: a run whose tool results are larger than
    /// this answers <c>approval_required</c> with the links instead.
    /// </summary>
    public const int MaxStateCharacters = 4_000_000;

    /// <summary>
    /// The question for the client: one form-mode elicitation per held call, and the run so far to resume from; null when
    /// the run so far is too large to send along.
    /// </summary>
    public InputRequiredException? TryAsk(string userKey, IReadOnlyList<AgentApproval> approvals, ResumePoint run)
    {
        var state = new JsonObject
        {
            ["user"] = userKey,
            ["approvals"] = new JsonArray([.. approvals.Select(a => (JsonNode)new JsonObject { ["id"] = a.Id, ["tool"] = a.Tool, ["arguments"] = a.Arguments })]),
            ["messages"] = run.Messages.DeepClone(),
            ["rounds"] = run.Rounds,
            ["output"] = run.Output,
        };
        var protectedState = _protector.Protect(state.ToJsonString(), options.Value.ApprovalLifetime);
        if (protectedState.Length > MaxStateCharacters)
        {
            return null;
        }

        return new InputRequiredException(
            approvals.ToDictionary(a => a.Id, a => InputRequest.ForElicitation(new ElicitRequestParams
            {
                Mode = "form",
                Message = $"The sub-agent wants to call the tool {a.Tool} on {new Uri(a.ServerUrl).Authority} with these arguments:\n" +
                    $"{a.Arguments}\nAccept to let it run once; decline and the call is not made.",
                RequestedSchema = new(),
            }), StringComparer.Ordinal),
            protectedState);
    }

    /// <summary>
    /// Reads a retry: the run so far, then the held calls under their approval ids with the user's answer to each (an
    /// answer other than accept denies the call). Throws <see cref="AgentInputException"/> when the state is not ours,
    /// is another user's, or has expired.
    /// </summary>
    public ResumePoint Resume(string requestState, IDictionary<string, InputResponse>? responses, string userKey)
    {
        JsonObject state;
        try
        {
            state = JsonNode.Parse(_protector.Unprotect(requestState)) as JsonObject ?? throw new JsonException("Not an object.");
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            throw new AgentInputException("The requestState of this retry is not one this server gave, or it has expired: call run_agent again without it.");
        }

        if ((string?)state["user"] != userKey)
        {
            throw new AgentInputException("The requestState of this retry belongs to another user.");
        }

        var messages = state["messages"]?.AsArray().DeepClone().AsArray() ?? [];
        var held = state["approvals"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
        var answers = McpCompletionsEngine.ApprovalAnswers(held.Select(a =>
        {
            var id = (string?)a["id"] ?? "";
            var accepted = responses?.TryGetValue(id, out var response) == true
                && response.Deserialize(InputResponse.ElicitResultJsonTypeInfo) is { IsAccepted: true };
            return (id, (string?)a["tool"] ?? "", (string?)a["arguments"] ?? "", accepted);
        }));
        return new ResumePoint(messages, (int?)state["rounds"] ?? 0, (string?)state["output"] ?? "") { Answers = answers };
    }

    /// <summary>
    /// Where a run stands: the messages after the initial ones (finished rounds), how many rounds they are, and the output
    /// so far; on a retry, also the answers to the held calls that come after them.
    /// </summary>
    public sealed record ResumePoint(JsonArray Messages, int Rounds, string Output)
    {
        public IReadOnlyList<JsonObject> Answers { get; init; } = [];
    }
}
