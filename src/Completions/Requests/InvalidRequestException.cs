namespace McpSubAgent.Completions.Requests;

/// <summary>
/// A chat-completions request the engine refuses; hosts answer it with HTTP 400 in OpenAI's error shape.
/// </summary>
public sealed class InvalidRequestException : Exception
{
    /// <summary>Creates the exception with the message shown to the caller and the request field it concerns.</summary>
    public InvalidRequestException(string message, string? param = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Param = param;
    }

    /// <summary>The request field the error concerns (for example <c>tools[1].server_url</c>), if any.</summary>
    public string? Param { get; }

    /// <summary>A machine-readable code, as OpenAI's <c>error.code</c>.</summary>
    public string Code { get; init; } = "invalid_request";
}
