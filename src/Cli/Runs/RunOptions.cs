namespace McpSubAgent.Cli.Runs;

/// <summary>The command-line options of <c>run</c>.</summary>
internal sealed record RunOptions(bool Json, bool Open, string? Model, string? Output);
