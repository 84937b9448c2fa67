using McpSubAgent.IdentityProvider.Throttling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>
/// <c>POST /connections/verify</c>: an app with a verification URL confirms, server to server with its client
/// credentials (HTTP Basic), which of its users completed a downstream login in the browser it sent to that URL (form
/// fields <c>flow_id</c> and <c>user</c>). Refused client credentials count as failures of the address.
/// </summary>
internal static class VerificationEndpoint
{
    public const string Path = "/connections/verify";
    private const int MaxFieldLength = 256;

    public static IEndpointRouteBuilder MapLoginVerification(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, VerifyAsync).DisableAntiforgery().RequireRateLimiting(SignInRateLimiterPolicy.TokenPolicyName);
        return endpoints;
    }

    private static async Task<IResult> VerifyAsync(HttpContext context, LoginFlows flows, IAppDirectory apps, SignInThrottle throttle)
    {
        var address = ClientAddress.Of(context);
        if (throttle.Backoff(address) is { } wait)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed attempts from this address");
        }

        if (BasicCredentials.Of(context.Request) is not var (clientId, secret) || !await apps.AuthenticateAsync(clientId, secret, context.RequestAborted))
        {
            throttle.RecordFailure(address);
            context.Response.Headers.WWWAuthenticate = "Basic";
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Client authentication failed",
                detail: "Send the app's client id and secret with HTTP Basic authentication.");
        }

        if (!context.Request.HasFormContentType)
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send a form (application/x-www-form-urlencoded)");
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form cannot be read");
        }

        if (form["flow_id"].ToString() is not { Length: > 0 and <= MaxFieldLength } flowId || form["user"].ToString() is not { Length: > 0 and <= MaxFieldLength } user)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "flow_id and user are required",
                detail: $"Both are 1 to {MaxFieldLength} characters: the flow id your verification URL received, and the user your app sent as 'user'.");
        }

        return await flows.VerifyAsync(clientId, user, flowId, context.RequestAborted) switch
        {
            null => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No login waits for this flow id",
                detail: "It is unknown, already answered, expired, or belongs to another app."),
            { Status: VerificationAnswer.Refused } refused => Results.Json(refused, BrokerJsonContext.Default.VerificationAnswer, statusCode: StatusCodes.Status403Forbidden),
            var connected => Results.Json(connected, BrokerJsonContext.Default.VerificationAnswer),
        };
    }
}
