namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>The answer of <c>POST /connections/verify</c>: <c>connected</c>, or <c>refused</c> (another user: the login is discarded).</summary>
internal sealed record VerificationAnswer(string Status, string ServerUrl)
{
    public const string Connected = "connected";
    public const string Refused = "refused";
}
