using Microsoft.AspNetCore.Builder;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>Adds client ID metadata documents to the request pipeline.</summary>
public static class ClientMetadataDocumentApplicationBuilderExtensions
{
    /// <summary>
    /// Resolves <c>client_id</c> URLs on <c>/connect/authorize</c> (GET or POST) and <c>/connect/token</c> (POST) into
    /// OpenIddict applications from their client ID metadata documents. Place it before <c>UseAuthentication()</c>,
    /// where OpenIddict's endpoints run, and after forwarded headers and CORS. Needs <c>AddClientRegistration()</c>.
    /// </summary>
    public static IApplicationBuilder UseClientMetadataDocuments(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseWhen(
            context => ClientMetadataDocumentMiddleware.Applies(context.Request),
            branch => branch.UseMiddleware<ClientMetadataDocumentMiddleware>());
    }
}
