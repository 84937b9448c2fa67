namespace McpSubAgent.Testing.Llm;

/// <summary>One function call the fake LLM asks the client to make.</summary>
/// <param name="Id">The tool call id (e.g. "call_1"), echoed back by the client in the tool message.</param>
/// <param name="Name">The function name.</param>
/// <param name="ArgumentsJson">The arguments as a JSON string, exactly as OpenAI sends them.</param>
public sealed record LlmToolCall(string Id, string Name, string ArgumentsJson);
