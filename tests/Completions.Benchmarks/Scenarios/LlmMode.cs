namespace McpSubAgent.Completions.Benchmarks.Scenarios;

/// <summary>Which fake LLM the clients talk to. The MCP server is always the test server on loopback.</summary>
internal enum LlmMode
{
    /// <summary>The scripted fake's answers replayed by a Kestrel server on loopback that keeps no request log (default).</summary>
    Loopback,

    /// <summary>The scripted fake LLM itself on loopback; it keeps every request, which grows the heap during a run.</summary>
    Scripted,

    /// <summary>The scripted fake's answers replayed in process, without network or server.</summary>
    Memory,
}
