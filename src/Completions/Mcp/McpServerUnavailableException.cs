namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// An MCP server could not be reached, refused the session or did not answer in time. The message says which, in words
/// for the person, without internal details; the cause is the inner exception.
/// </summary>
public sealed class McpServerUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public McpServerUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message for the person.</summary>
    /// <param name="message">What happened.</param>
    public McpServerUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the person and its cause.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The failure of the MCP client.</param>
    public McpServerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
