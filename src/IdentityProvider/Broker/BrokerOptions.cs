using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>Settings of the downstream login broker (configuration section <c>Broker</c>).</summary>
public sealed class BrokerOptions : IValidatableObject
{
    public const string SectionName = "Broker";

    /// <summary>How long a login link may be opened and its login completed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "30.00:00:00")]
    public TimeSpan LoginLinkLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long before its expiry an access token is refreshed instead of sent.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The client name shown by downstream authorization servers on their consent pages.</summary>
    public string ClientName { get; set; } = "McpSubAgent";

    /// <summary>
    /// The URL of our client ID metadata document, when it is published somewhere else than
    /// <c>{PublicBaseUrl}/oauth/client-metadata.json</c> (it must list <c>{PublicBaseUrl}/connections/callback</c>).
    /// </summary>
    public Uri? ClientMetadataDocumentUrl { get; set; }

    /// <summary>How long one discovery, registration or token request to a downstream server may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Clients registered by hand at downstream authorization servers, keyed by the host of the MCP server or of its
    /// authorization server (for example <c>mcp.notion.com</c>). These are used before client ID metadata documents
    /// and dynamic registration.
    /// </summary>
    public IDictionary<string, PreRegisteredClient> PreRegisteredClients { get; } =
        new Dictionary<string, PreRegisteredClient>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Where to POST <c>{user, server_url, login_url, message}</c> when a login is needed (HMAC-signed); none by default.</summary>
    public LoginWebhookOptions LoginWebhook { get; } = new();

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LoginWebhook.Url is not null && string.IsNullOrEmpty(LoginWebhook.Secret))
        {
            yield return new ValidationResult(
                "Broker:LoginWebhook:Secret is required when Broker:LoginWebhook:Url is set: receivers check the signature.",
                [nameof(LoginWebhook)]);
        }
    }
}

/// <summary>A client registered by hand at a downstream authorization server, with our callback as its redirect URI.</summary>
public sealed class PreRegisteredClient
{
    /// <summary>The client id.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The client secret; none for a public client.</summary>
    public string? ClientSecret { get; set; }

    /// <summary><c>client_secret_basic</c> (the default with a secret), <c>client_secret_post</c>, or <c>none</c> (the default without).</summary>
    public string? TokenEndpointAuthMethod { get; set; }
}

/// <summary>The login webhook: an app gets told when one of its users must log in, to pass the link on by mail or chat.</summary>
public sealed class LoginWebhookOptions
{
    public const string SectionName = "Broker:LoginWebhook";

    /// <summary>The URL to POST to; the webhook is off while this is empty.</summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// The key of the <c>X-McpSubAgent-Signature: sha256=…</c> header, an HMAC-SHA256 of <c>{timestamp}.{body}</c> with
    /// the timestamp in <c>X-McpSubAgent-Timestamp</c>. Required when <see cref="Url"/> is set.
    /// </summary>
    public string? Secret { get; set; }
}
