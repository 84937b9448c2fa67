namespace McpSubAgent.Testing.Llm;

/// <summary>A response sent verbatim (status, body, content type), ignoring the request's stream flag.</summary>
public sealed record RawReply(int StatusCode, string Body, string ContentType) : LlmReply;
