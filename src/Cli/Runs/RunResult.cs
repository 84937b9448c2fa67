using System.Text.Json.Nodes;

namespace McpSubAgent.Cli.Runs;

/// <summary>What a run ended with, as <c>--json</c> prints it and as the exit code is chosen.</summary>
internal sealed class RunResult
{
    public string Status { get; set; } = "completed";

    public string? Id { get; set; }

    public string? Model { get; set; }

    public string? FinishReason { get; set; }

    public System.Text.StringBuilder Output { get; } = new();

    public JsonArray LoginLinks { get; set; } = [];

    public JsonArray Approvals { get; set; } = [];

    public JsonNode? Usage { get; set; }

    public string? Error { get; set; }

    public int ExitCode => Status switch
    {
        "completed" => ExitCodes.Success,
        "auth_required" or "approval_required" => ExitCodes.ActionRequired,
        _ => ExitCodes.RunFailed,
    };

    public JsonObject ToJson() => new()
    {
        ["status"] = Status,
        ["id"] = Id,
        ["model"] = Model,
        ["finish_reason"] = FinishReason,
        ["output"] = Output.ToString(),
        ["login_links"] = LoginLinks.DeepClone(),
        ["approvals"] = Approvals.DeepClone(),
        ["usage"] = Usage?.DeepClone(),
        ["error"] = Error,
    };

    /// <summary>Takes the MCP fields of a final chunk or a completion: login links, held calls, usage.</summary>
    public void TakeMcpFields(JsonObject completion)
    {
        if (completion["mcp_login_required"] is JsonArray { Count: > 0 } links)
        {
            LoginLinks = (JsonArray)links.DeepClone();
            Status = "auth_required";
        }

        if (completion["mcp_approval_required"] is JsonArray { Count: > 0 } approvals)
        {
            Approvals = (JsonArray)approvals.DeepClone();
            Status = Status == "auth_required" ? Status : "approval_required";
        }

        if (completion["usage"] is JsonObject usage)
        {
            Usage = usage.DeepClone();
        }
    }
}
