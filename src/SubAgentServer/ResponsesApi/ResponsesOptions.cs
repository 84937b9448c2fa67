using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>Stored responses of <c>/v1/responses</c> (configuration section <c>Responses</c>).</summary>
internal sealed class ResponsesOptions
{
    public const string SectionName = "Responses";

    /// <summary>
    /// How long a stored response is kept after it was created (OpenAI keeps them 30 days); the task cleanup sweep
    /// (<c>Tasks:CleanupInterval</c>) deletes older ones.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
}
