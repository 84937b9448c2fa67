using System.Text.Encodings.Web;
using System.Text.Json;

namespace McpSubAgent.Completions;

/// <summary>
/// JSON that people read: tool-call arguments and results in the answer's markdown, and the bodies of the OpenAI-style
/// responses. System.Text.Json's default encoder writes non-ASCII and <c>&lt;&gt;&amp;'</c> as <c>\uXXXX</c> so that
/// JSON pasted into HTML cannot close a script element; these texts are never put into HTML as they are (responses go
/// out as <c>application/json</c> or <c>text/event-stream</c>, and the markdown is fenced here and sanitised where it is
/// rendered, by DOMPurify on the chat page), so they keep their characters. (The encoder still writes characters
/// outside the Basic Multilingual Plane, such as emoji, as surrogate escapes.)
/// </summary>
public static class ReadableJson
{
    /// <summary>Compact, for response bodies.</summary>
    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Indented, for code blocks in markdown.</summary>
    public static readonly JsonSerializerOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };
}
