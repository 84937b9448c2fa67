namespace McpSubAgent.IdentityProvider.Broker.Storage;

/// <summary>The states of a <see cref="DownstreamConnection"/>.</summary>
public static class DownstreamConnectionStatus
{
    public const int MaxLength = 16;

    /// <summary>Tokens are stored and may be used.</summary>
    public const string Connected = "connected";

    /// <summary>The tokens were refused, could not be refreshed, or the server asks for a wider scope: log in again.</summary>
    public const string NeedsLogin = "needs_login";
}
