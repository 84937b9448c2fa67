namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>The error response of RFC 7591 section 3.2.2.</summary>
internal sealed record ClientRegistrationError(string Error, string ErrorDescription)
{
    /// <summary>One of the redirect URIs is missing, malformed or not allowed.</summary>
    public const string InvalidRedirectUri = "invalid_redirect_uri";

    /// <summary>A metadata value is malformed or not supported, or the body is not a JSON object.</summary>
    public const string InvalidClientMetadata = "invalid_client_metadata";

    /// <summary>The server cannot register clients now (rate limit or registration cap); not an RFC 7591 code.</summary>
    public const string TemporarilyUnavailable = "temporarily_unavailable";
}
