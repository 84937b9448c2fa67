using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using McpSubAgent.IdentityProvider;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.IdentityProvider.Keys;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Server;
using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>
/// The streamable-HTTP MCP endpoint at <c>/mcp</c>, stateless (so any replica answers), protected by JWT access tokens
/// that our own identity provider issued for the resource <c>{base}/mcp</c>.
/// </summary>
internal static class McpEndpointExtensions
{
    public const string PolicyName = "mcp";
    public const string ResourceMetadataPath = "/.well-known/oauth-protected-resource/mcp";

    public static IHostApplicationBuilder AddMcpEndpoint(this IHostApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(o =>
            {
                // Bearer tokens by default (the MCP endpoint); the identity provider's pages name the cookie scheme themselves.
                o.DefaultAuthenticateScheme = JwtBearerDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
            })
            .AddJwtBearer()
            .AddMcp(o =>
            {
                o.ResourceMetadataUri = new Uri(ResourceMetadataPath, UriKind.Relative);
                o.Events.OnResourceMetadataRequest = context =>
                {
                    var origin = context.HttpContext.RequestServices.GetRequiredService<PublicOrigin>();
                    context.ResourceMetadata = new ProtectedResourceMetadata
                    {
                        Resource = origin.McpResource(context.HttpContext.Request).AbsoluteUri,
                        AuthorizationServers = [origin.Issuer(context.HttpContext.Request)],
                        ScopesSupported = [IdentityProviderScopes.Mcp, OpenIddictConstants.Scopes.OfflineAccess],
                        BearerMethodsSupported = ["header"],
                        ResourceName = "McpSubAgent sub-agents",
                    };
                    return Task.CompletedTask;
                };
            });
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<JwtBearerOptions>, OwnTokenValidation>();
        builder.Services.AddOptions<TokenValidationOptions>().BindConfiguration(TokenValidationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TokenStatusCache>();
        builder.Services.AddSingleton<ApprovalElicitation>();
        builder.Services.AddSingleton<RememberingTokenHandler>();
        builder.Services.AddSingleton<ToolListCache>();
        builder.Services.AddOpenIddict().AddServer(server => server.AddEventHandler<OpenIddictServerEvents.ApplyRevocationResponseContext>(
            handler => handler.UseSingletonHandler<ForgetRevokedTokens>()));

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PolicyName, policy => policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(IdentityProviderScopes.Mcp)));
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, InsufficientScopeResultHandler>();

        builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "McpSubAgent", Version = "1.0.0" })
            .WithHttpTransport()
            .WithRequestFilters(filters => filters.AddCallToolFilter(ToolArgumentValidation.Filter))
            .WithToolsOf<SubAgentTools>()
            .WithToolsOf<Tasks.AgentTaskTools>();
        return builder;
    }

    /// <summary>
    /// What the SDK's <c>WithTools&lt;T&gt;()</c> registers (the same tools and schemas, built from the
    /// <see cref="McpServerToolAttribute"/> methods), except that the instance each call runs on comes from a constructor
    /// call compiled once instead of <c>ActivatorUtilities.CreateInstance</c>, which matches constructors by reflection
    /// on every call.
    /// </summary>
    private static IMcpServerBuilder WithToolsOf<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods)] T>(this IMcpServerBuilder builder)
        where T : class
    {
        var create = ActivatorUtilities.CreateFactory<T>([]);
        foreach (var method in typeof(T).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
        {
            if (method.GetCustomAttribute<McpServerToolAttribute>() is not null)
            {
                builder.Services.AddSingleton(services => McpServerTool.Create(
                    method, request => create(request.Services ?? services, null), new McpServerToolCreateOptions { Services = services }));
            }
        }

        return builder;
    }

    /// <summary>Answers an unreadable POST to /mcp with a JSON-RPC error before the SDK reads it; place it after authorization.</summary>
    public static IApplicationBuilder UseMcpMessageValidation(this IApplicationBuilder app) => app.UseMiddleware<McpMessageValidationMiddleware>();

    /// <summary>Refuses /mcp requests addressed to another host (DNS rebinding); place it first.</summary>
    public static IApplicationBuilder UseMcpHostValidation(this IApplicationBuilder app) => app.UseMiddleware<McpHostValidationMiddleware>();

    public static IEndpointRouteBuilder MapMcpEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMcp("/mcp").RequireAuthorization(PolicyName);
        return endpoints;
    }

    /// <summary>
    /// Validates access tokens with the identity provider's own signing key, in process. Issuer and audience depend on
    /// the request's origin (PublicBaseUrl or the request), so they are checked per request; a revoked token is refused
    /// (within <see cref="TokenValidationOptions.RevocationCheckInterval"/> when revoked by another process).
    /// </summary>
    private sealed class OwnTokenValidation(IdentityProviderKeyStore<AppDbContext> keys, TokenStatusCache statuses, RememberingTokenHandler tokenHandler) : Microsoft.Extensions.Options.IConfigureNamedOptions<JwtBearerOptions>
    {
        public void Configure(string? name, JwtBearerOptions options)
        {
            if (name != JwtBearerDefaults.AuthenticationScheme)
            {
                return;
            }

            options.MapInboundClaims = false;

            // Nothing reads the bearer token back from the authentication properties; storing it cost every request.
            options.SaveToken = false;
            options.TokenHandlers.Clear();
            options.TokenHandlers.Add(tokenHandler);
            options.TokenValidationParameters = new TokenValidationParameters
            {
                IssuerSigningKey = keys.SigningKey,
                ValidateIssuerSigningKey = true,
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256],

                // Access tokens only: an identity token (typ JWT) signed with the same key is not a key to /mcp.
                ValidTypes = ["at+jwt"],
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                ValidateIssuer = false,
                ValidateAudience = false,
                NameClaimType = OpenIddictConstants.Claims.Name,
                RoleClaimType = OpenIddictConstants.Claims.Role,
            };
            options.Events = new JwtBearerEvents { OnTokenValidated = CheckIssuerAudienceAndRevocationAsync };
        }

        public void Configure(JwtBearerOptions options) => Configure(JwtBearerDefaults.AuthenticationScheme, options);

        private async Task CheckIssuerAudienceAndRevocationAsync(TokenValidatedContext context)
        {
            var origin = context.HttpContext.RequestServices.GetRequiredService<PublicOrigin>();
            var principal = context.Principal!;
            var issuer = principal.FindFirst(OpenIddictConstants.Claims.Issuer)?.Value;
            var (expectedIssuer, resource) = origin.IssuerAndMcpResource(context.Request);
            if (!string.Equals(issuer, expectedIssuer, StringComparison.Ordinal))
            {
                context.Fail("The token was issued by another server.");
                return;
            }

            if (!principal.HasClaim(claim => claim.Type == OpenIddictConstants.Claims.Audience && string.Equals(claim.Value, resource, StringComparison.Ordinal)))
            {
                context.Fail($"The token is not for {resource}.");
                return;
            }

            var tokenId = principal.FindFirst(OpenIddictConstants.Claims.Private.TokenId)?.Value;
            if (tokenId is null || !await statuses.IsValidAsync(tokenId, context.HttpContext.RequestServices, context.HttpContext.RequestAborted))
            {
                context.Fail("The token was revoked.");
            }
        }
    }
}
