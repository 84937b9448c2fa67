using McpSubAgent.IdentityProvider.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>
/// Runs ahead of OpenIddict on the authorization and token endpoints: when the request's <c>client_id</c> is a URL,
/// the application is created or refreshed from its metadata document before OpenIddict looks the client up.
/// </summary>
internal sealed class ClientMetadataDocumentMiddleware(RequestDelegate next, IOptionsMonitor<ClientRegistrationOptions> options)
{
    /// <summary>The OpenIddict endpoints whose requests name a client (as the identity provider sets them up).</summary>
    public static bool Applies(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (HttpMethods.IsGet(request.Method) || HttpMethods.IsPost(request.Method)) && request.Path.Equals("/connect/authorize", StringComparison.OrdinalIgnoreCase)
            || HttpMethods.IsPost(request.Method) && request.Path.Equals("/connect/token", StringComparison.OrdinalIgnoreCase);
    }

    public async Task InvokeAsync(HttpContext context, ClientMetadataDocumentResolver resolver, PublicOrigin publicOrigin)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(publicOrigin);
        var request = context.Request;
        string? clientId = request.Query["client_id"];
        if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            try
            {
                // The form is buffered by ASP.NET Core, so OpenIddict reads the same one afterwards.
                var form = await request.ReadFormAsync(context.RequestAborted);
                clientId = form["client_id"];
            }
            catch (InvalidDataException)
            {
                // A malformed or oversized form: OpenIddict answers it with its own error.
                clientId = null;
            }
        }

        if (ClientMetadataDocumentResolver.IsCandidate(clientId, options.CurrentValue.AllowLoopbackMetadataDocuments))
        {
            await resolver.ResolveAsync(clientId, publicOrigin.McpResource(request), context.RequestAborted);
        }

        await next(context);
    }
}
