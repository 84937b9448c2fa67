using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Hosting;

/// <summary>
/// Refuses plain-HTTP requests from anywhere but this machine when <see cref="IdentityProviderOptions.RequireHttps"/>
/// is on: tokens and passwords must not cross a network in the clear. Behind a TLS-terminating proxy, the forwarded
/// headers middleware (placed first) marks the request as HTTPS. Added by <see cref="IdentityProviderApplicationBuilderExtensions.UseHttpsRequirement"/>; the refusal
/// is a 400 ProblemDetails.
/// </summary>
/// <param name="next">The rest of the pipeline.</param>
/// <param name="options">The identity provider's options; <see cref="IdentityProviderOptions.RequireHttps"/> turns the check on.</param>
public sealed class HttpsRequirementMiddleware(RequestDelegate next, IOptions<IdentityProviderOptions> options)
{
    /// <summary>Passes the request on, or answers 400 when it came over plain HTTP from another machine.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        if (!options.Value.RequireHttps || context.Request.IsHttps || IsLoopback(context.Connection.RemoteIpAddress))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return Results.Problem(
            title: "HTTPS required",
            detail: "This server accepts plain HTTP only from this machine. Use https, or set forwarded headers behind a TLS proxy.",
            statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(context);
    }

    private static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
