using System.Buffers.Text;
using System.Security.Cryptography;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// A sub-agent run in the background, persisted after each finished round so any replica can resume it. The id is also
/// the capability for the public result pages, so it is long and random.
/// </summary>
public sealed class AgentTask
{
    public const int IdMaxLength = 64;
    public const int OwnerKeyMaxLength = 450;

    /// <summary>43 URL-safe characters from 32 random bytes.</summary>
    public required string Id { get; set; }

    /// <summary>The user key of the owner (the token's <c>sub</c>).</summary>
    public required string OwnerKey { get; set; }

    /// <summary>What the task runs, whichever surface started it: an <see cref="AgentTaskRun"/> as JSON.</summary>
    public required string RequestJson { get; set; }

    /// <summary>One of <see cref="AgentTaskStatus"/>.</summary>
    public required string Status { get; set; }

    /// <summary>True: the result is kept; false: it is deleted some time after the task ends.</summary>
    public bool Store { get; set; } = true;

    /// <summary>The conversation after the last finished round (messages and tool results); null before the first round.</summary>
    public string? TranscriptJson { get; set; }

    public int RoundsDone { get; set; }

    /// <summary>The markdown answer so far.</summary>
    public string Output { get; set; } = "";

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    public long TotalTokens { get; set; }

    /// <summary>The login links of an <c>auth_required</c> task, as JSON.</summary>
    public string? LoginLinksJson { get; set; }

    /// <summary>The tool calls an <c>input_required</c> task waits on (a list of <see cref="Agents.AgentApproval"/>), as JSON.</summary>
    public string? ApprovalsJson { get; set; }

    /// <summary>The origin the task was started at (with a trailing slash), for the links its background run makes.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Why the task failed, in words the user can act on.</summary>
    public string? Error { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>The worker that runs the task now.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>When the lease ends unless renewed; after that another worker may claim the task.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
