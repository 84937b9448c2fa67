namespace McpSubAgent.Completions.Requests;

/// <summary>
/// A validated chat-completions request: the run it asks for, and what only a chat-completions answer needs (streaming,
/// the usage chunk). Built by <see cref="ChatCompletionRequestParser"/>.
/// </summary>
public sealed class ChatCompletionRequest
{
    internal ChatCompletionRequest(CompletionRunRequest run, bool stream, bool includeUsage, string? user, bool hasFrontMatter)
    {
        Run = run;
        Stream = stream;
        IncludeUsage = includeUsage;
        User = user;
        HasFrontMatter = hasFrontMatter;
    }

    /// <summary>The run for the engine: the conversation without front matter, the MCP servers, the caller's tools.</summary>
    public CompletionRunRequest Run { get; }

    /// <summary>Whether the caller asked for a stream of chunks.</summary>
    public bool Stream { get; }

    /// <summary>Whether the caller asked for a usage chunk at the end of the stream.</summary>
    public bool IncludeUsage { get; }

    /// <summary>OpenAI's <c>user</c> field: the caller's stable end-user id, if given (it also goes upstream).</summary>
    public string? User { get; }

    /// <summary>Whether the first message carried front matter for the engine (now removed from it).</summary>
    public bool HasFrontMatter { get; }
}
