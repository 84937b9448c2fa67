namespace McpSubAgent.Cli;

/// <summary>The process exit codes of <c>mcpsubagent</c> (documented in README.md; scripts rely on them).</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The run failed: the server, the upstream model or the network gave up, or the stream ended with an error.</summary>
    public const int RunFailed = 1;

    /// <summary>The command line, the prompt file or the request was refused as invalid (HTTP 400 included).</summary>
    public const int UsageError = 2;

    /// <summary>Not signed in to the server, or the server refused our token (and refreshing it did not help).</summary>
    public const int AuthError = 3;

    /// <summary>A downstream MCP server needs the person: a login link (also one of a server the model added) or a call held for approval.</summary>
    public const int ActionRequired = 4;
}
