namespace McpSubAgent.IdentityProvider.Server;

/// <summary>Resource indicators (RFC 8707) naming this server's MCP endpoint.</summary>
internal static class McpResources
{
    /// <summary>Whether a requested resource names <paramref name="resource"/>, with or without a trailing slash (Claude Code adds one).</summary>
    public static bool Matches(string requested, Uri resource) =>
        Uri.TryCreate(requested, UriKind.Absolute, out var uri)
        && string.Equals(uri.AbsoluteUri.TrimEnd('/'), resource.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal);
}
