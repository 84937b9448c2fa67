using Microsoft.AspNetCore.Http;

namespace McpSubAgent.IdentityProvider.Throttling;

/// <summary>
/// Runs ahead of OpenIddict on <c>POST /connect/token</c> and <c>POST /connect/device</c> (each device request stores a
/// code): an address that is waiting after failed client
/// authentications, or a client id used too often from one address, gets 429; a refused client authentication (401
/// <c>invalid_client</c>) counts as a failure of the address. The per-address limit is the rate limiter policy's.
/// </summary>
internal sealed class TokenRequestThrottlingMiddleware(RequestDelegate next, SignInThrottle throttle)
{
    private const int MaxClientIdLength = 850;

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method)
            || !(request.Path.Equals("/connect/token", StringComparison.OrdinalIgnoreCase) || request.Path.Equals("/connect/device", StringComparison.OrdinalIgnoreCase)))
        {
            await next(context);
            return;
        }

        var address = ClientAddress.Of(context);
        if (throttle.Backoff(address) is { } wait)
        {
            await TooManyAttempts.WriteAsync(context, oauthError: true, wait, "from this address");
            return;
        }

        if (await ClientIdAsync(request) is { Length: > 0 and <= MaxClientIdLength } clientId
            && throttle.AcquireForAccount("token", clientId, address) is { } retryAfter)
        {
            await TooManyAttempts.WriteAsync(context, oauthError: true, retryAfter, "for this client from this address");
            return;
        }

        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
        {
            throttle.RecordFailure(address);
        }
    }

    /// <summary>The client id of HTTP Basic authentication, else of the form.</summary>
    private static async Task<string?> ClientIdAsync(HttpRequest request)
    {
        if (BasicCredentials.Of(request) is var (clientId, _))
        {
            return clientId;
        }

        if (!request.HasFormContentType)
        {
            return null;
        }

        try
        {
            // The form is buffered by ASP.NET Core, so OpenIddict reads the same one afterwards.
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            return form["client_id"];
        }
        catch (InvalidDataException)
        {
            // A malformed or oversized form: OpenIddict answers it with its own error.
            return null;
        }
    }
}
