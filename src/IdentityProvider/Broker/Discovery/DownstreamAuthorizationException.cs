namespace McpSubAgent.IdentityProvider.Broker.Discovery;

/// <summary>A downstream server cannot be logged in to: its metadata is missing or unsafe. The message is for the person.</summary>
internal sealed class DownstreamAuthorizationException(string message, Exception? innerException = null) : Exception(message, innerException);
