namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>Properties the broker reads from an app (an OpenIddict application with the client credentials grant).</summary>
public static class AppProperties
{
    /// <summary>
    /// The application property that holds an app's verification URL (a JSON string, an absolute URL): its end users'
    /// logins wait for the app to confirm the user there. Without it their logins count without a check.
    /// </summary>
    public const string VerificationUrl = "mcpsubagent_verification_url";
}
