using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.IdentityProvider.Hosting;

/// <summary>Where the server is reached from outside (configuration key <c>PublicBaseUrl</c>).</summary>
public sealed class PublicOriginOptions : IValidatableObject
{
    /// <summary>
    /// The origin used in links, the issuer and the MCP resource, such as <c>https://agents.example.com</c>. When
    /// empty, it is taken from each request (scheme, host and path base, after forwarded headers are applied).
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(PublicBaseUrl))
        {
            yield break;
        }

        // Checked at start: the issuer, every link and the MCP resource are built from it, and a bad value would
        // otherwise surface only as a 500 on the first request that needs it.
        if (!Uri.TryCreate(PublicBaseUrl.Trim(), UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment) || !string.IsNullOrEmpty(url.UserInfo))
        {
            yield return new ValidationResult(
                $"PublicBaseUrl must be an absolute http or https URL without query, fragment or user info, such as https://agents.example.com (it is '{PublicBaseUrl}').",
                [nameof(PublicBaseUrl)]);
        }
    }
}
