namespace McpSubAgent.SubAgentServer.Redis;

/// <summary>
/// The shared store of limits that must count across replicas (configuration section <c>Redis</c>). Without it each
/// replica counts its own callers in memory.
/// </summary>
internal sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis:6379,password=…</c>; empty for per-replica limits.</summary>
    public string? Configuration { get; set; }
}
