namespace McpSubAgent.IdentityProvider.Broker.Webhooks;

/// <summary>The body of the login webhook: who must log in where, and a sentence to pass on.</summary>
internal sealed record LoginWebhookPayload(string User, string ServerUrl, string LoginUrl, string Message);
