using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// Settings of dynamic client registration (RFC 7591) and client ID metadata documents (configuration section
/// <c>IdentityProvider:Registration</c>).
/// </summary>
public sealed class ClientRegistrationOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "IdentityProvider:Registration";

    /// <summary>The path of the registration endpoint.</summary>
    public const string EndpointPath = "/connect/register";

    /// <summary>The rate limiter policy of the registration endpoint (partitioned by remote address).</summary>
    public const string RateLimiterPolicyName = "client-registration";

    /// <summary>Whether <c>POST /connect/register</c> accepts registrations; when off it answers 404.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Private-use URI schemes (RFC 8252 section 7.1) that redirect URIs may use besides https and loopback http: the
    /// schemes of the desktop MCP clients. Configured entries are added to these defaults. <c>javascript</c>,
    /// <c>data</c>, <c>file</c>, <c>vbscript</c> and the other schemes a browser runs or reads locally are refused
    /// even when listed.
    /// </summary>
    public IList<string> AllowedCustomSchemes { get; } = ["cursor", "vscode", "vscode-insiders", "windsurf"];

    /// <summary>
    /// The most clients that <c>POST /connect/register</c> may create; further registrations are refused with 503.
    /// Clients from metadata documents and clients configured by the operator are not counted.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MaxRegisteredClients { get; set; } = 10_000;

    /// <summary>Registrations one remote address may send per minute; more are answered with 429.</summary>
    [Range(1, 100_000)]
    public int PermitsPerMinutePerAddress { get; set; } = 20;

    /// <summary>The largest registration request body, in bytes; a larger one is answered with 413.</summary>
    [Range(1_024, 10 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The largest client ID metadata document, in bytes; a larger one is not used.</summary>
    [Range(1_024, 10 * 1024 * 1024)]
    public int MetadataDocumentMaxBytes { get; set; } = 64 * 1024;

    /// <summary>How long fetching one client ID metadata document (connect, headers and body) may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan MetadataDocumentTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest a fetched metadata document is reused, whatever its <c>Cache-Control: max-age</c> says.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan MetadataDocumentMaxCacheDuration { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a fetched metadata document is reused when its response carries no <c>Cache-Control</c> lifetime.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan MetadataDocumentDefaultCacheDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Accepts <c>client_id</c> URLs with the http scheme and on loopback or private addresses, turning the guard
    /// against server-side request forgery off for metadata documents. For tests and local setups only.
    /// </summary>
    public bool AllowLoopbackMetadataDocuments { get; set; }
}
