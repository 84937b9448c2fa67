using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.IdentityProvider;

/// <summary>Settings of the authorization server (configuration section <c>IdentityProvider</c>).</summary>
public sealed class IdentityProviderOptions
{
    public const string SectionName = "IdentityProvider";

    /// <summary>How long an access token is valid.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a refresh token is valid (each use returns a new one and ends the old one).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long an authorization code is valid.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a device sign-in (RFC 8628, <c>mcpsubagent login --device</c>) waits for the person to enter its user code
    /// at <c>/connect/verify</c>: the lifetime of both the device code and the user code.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DeviceCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often expired and revoked tokens and authorizations are removed from the database.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether requests must use HTTPS. On by default everywhere but loopback (a request whose host is localhost or a
    /// loopback address may use http); behind a TLS-terminating proxy, forwarded headers make the request HTTPS.
    /// </summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>Whether people may create their own account at <c>/account/register</c>; off by default (accounts come from the <c>users</c> command).</summary>
    public bool AllowSelfSignUp { get; set; }
}
