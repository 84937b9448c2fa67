namespace McpSubAgent.IdentityProvider.Broker.Tokens;

/// <summary>What a token request came to.</summary>
internal abstract record TokenResult
{
    private TokenResult()
    {
    }

    public sealed record Issued(DownstreamTokens Tokens, DateTimeOffset? ExpiresAt, string? Scope) : TokenResult;

    /// <summary>The server refused with an OAuth error (<c>invalid_grant</c>, <c>invalid_client</c>, ...).</summary>
    public sealed record Refused(string Error, string? Description) : TokenResult
    {
        public bool IsInvalidGrant => Error == "invalid_grant";

        public bool IsInvalidClient => Error is "invalid_client" or "unauthorized_client";
    }
}
