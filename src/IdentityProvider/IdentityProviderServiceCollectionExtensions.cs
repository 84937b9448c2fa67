using McpSubAgent.IdentityProvider.Accounts;
using Microsoft.AspNetCore;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.IdentityProvider.Keys;
using McpSubAgent.IdentityProvider.ClientRegistration;
using McpSubAgent.IdentityProvider.Server;
using McpSubAgent.IdentityProvider.Throttling;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpSubAgent.IdentityProvider;

/// <summary>Registers the authorization server for MCP clients, generic over the host's DbContext.</summary>
public static class IdentityProviderServiceCollectionExtensions
{
    /// <summary>
    /// Adds local accounts (ASP.NET Core Identity with cookies), the OpenIddict authorization server (authorization
    /// code with PKCE S256 only, the device authorization flow for public clients, refresh tokens, client credentials, JWT access tokens signed with persisted keys),
    /// the login and consent pages, and token pruning.
    /// </summary>
    public static IServiceCollection AddMcpIdentityProvider<TContext>(this IServiceCollection services)
        where TContext : DbContext, IIdentityProviderKeyContext
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<IdentityProviderOptions>().BindConfiguration(IdentityProviderOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddPublicOrigin();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IdentityProviderKeyStore<TContext>>();

        services.AddIdentityCore<AppUser>()
            .AddSignInManager()
            .AddEntityFrameworkStores<TContext>();
        services.Configure<IdentityOptions>(identity =>
        {
            // Failed sign-ins slow down the address they come from (SignInThrottle) and never lock the account: a
            // lock-out per account would let anyone keep its owner out. An operator may still lock one by hand.
            identity.User.RequireUniqueEmail = true;
        });
        services.AddAuthentication().AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.Cookie.Name = "mcpsubagent.account";
            o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        }));

        services.AddOpenIddict()
            .AddCore(core =>
            {
                core.UseEntityFrameworkCore().UseDbContext<TContext>();

                // RFC 8252: a native client's loopback redirect URI matches on any port.
                core.UseLoopbackRedirectUriPortMatching();
            })
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetEndSessionEndpointUris("connect/endsession")
                    .SetDeviceAuthorizationEndpointUris("connect/device")
                    .SetEndUserVerificationEndpointUris("connect/verify")
                    .SetConfigurationEndpointUris(".well-known/openid-configuration", ".well-known/oauth-authorization-server");

                server.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow()
                    .AllowDeviceAuthorizationFlow()
                    .RequireProofKeyForCodeExchange();

                server.RegisterScopes([.. IdentityProviderScopes.ForMcpClients]);

                // JWT access tokens that the host (and any resource server) validates with the published keys.
                server.DisableAccessTokenEncryption();

                // The only resource is this host's /mcp, whose URL may come from each request: it is checked in the
                // authorize endpoint instead of against a fixed list.
                server.DisableResourceValidation();
                server.IgnoreResourcePermissions();

                // HTTPS is enforced by HttpsRequirementMiddleware, which lets loopback use http for local setups.
                server.AddEventHandler<OpenIddictServerEvents.HandleConfigurationRequestContext>(handler =>
                    handler.UseInlineHandler(context =>
                    {
                        // What MCP clients look for: Claude tries client ID metadata documents only when both the flag
                        // and the "none" authentication method are advertised.
                        var request = context.Transaction.GetHttpRequest()
                            ?? throw new InvalidOperationException("Discovery runs inside an ASP.NET Core request.");
                        var origin = request.HttpContext.RequestServices.GetRequiredService<PublicOrigin>();
                        context.Metadata["registration_endpoint"] = new Uri(origin.BaseUri(request), "connect/register").AbsoluteUri;
                        context.Metadata["client_id_metadata_document_supported"] = true;
                        context.TokenEndpointAuthenticationMethods.Add(ClientAuthenticationMethods.None);
                        return default;
                    }));

                server.UseAspNetCore()
                    .DisableTransportSecurityRequirement()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableEndUserVerificationEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
            });

        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, IdentityProviderServerOptionsSetup<TContext>>();
        services.PostConfigure<OpenIddictServerOptions>(server =>
        {
            // PKCE with S256 only: "plain" sends the verifier in the clear.
            server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);

            // A refresh token works once: a replay (a stolen copy) fails instead of riding a grace period.
            server.RefreshTokenReuseLeeway = TimeSpan.Zero;
        });
        services.AddRazorPages().AddMvcOptions(mvc =>
        {
            // No page takes jQuery-style keys ("a[b]"), and their parser throws on a key like "x[" (a 500, not a 400).
            mvc.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
            mvc.ValueProviderFactories.RemoveType<JQueryQueryStringValueProviderFactory>();
        });
        services.AddClientRegistration();
        services.AddSignInThrottling();

        // Apps' verification URLs and credentials for the login broker's end-user links.
        services.TryAddScoped<Broker.Links.IAppDirectory, Broker.Links.OpenIddictAppDirectory>();
        services.AddHostedService<TokenPruningService>();
        return services;
    }
}
