namespace McpSubAgent.Completions.Credentials;

/// <summary>The credential port's answer for one server.</summary>
public abstract record McpCredential
{
    private McpCredential()
    {
    }

    /// <summary>Connect, sending <paramref name="Authorization"/> when it is not null.</summary>
    public sealed record Ready(string? Authorization) : McpCredential;

    /// <summary>The user must log in at <paramref name="LoginUrl"/> first; the engine does not call the model.</summary>
    public sealed record LoginRequired(Uri LoginUrl) : McpCredential;

    /// <summary>No credential can be had; the server's tools are not offered, and the reason is shown.</summary>
    public sealed record Unavailable(string Reason) : McpCredential;

    /// <summary>Connect without credentials (beyond the request's own headers).</summary>
    public static McpCredential Anonymous { get; } = new Ready(null);
}
