using System.Text.Json;
using OpenIddict.Abstractions;

namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>Apps as the identity provider keeps them: OpenIddict applications, the verification URL in their properties.</summary>
internal sealed class OpenIddictAppDirectory(IOpenIddictApplicationManager applications) : IAppDirectory
{
    public async Task<Uri?> VerificationUrlAsync(string clientId, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return null;
        }

        var properties = await applications.GetPropertiesAsync(application, cancellationToken);
        return properties.TryGetValue(AppProperties.VerificationUrl, out var value) && value.ValueKind == JsonValueKind.String
            && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var url) ? url : null;
    }

    public async Task<bool> AuthenticateAsync(string clientId, string secret, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        return application is not null
            && await applications.HasClientTypeAsync(application, OpenIddictConstants.ClientTypes.Confidential, cancellationToken)
            && await applications.ValidateClientSecretAsync(application, secret, cancellationToken);
    }
}
