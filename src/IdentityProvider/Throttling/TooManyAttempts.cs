using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace McpSubAgent.IdentityProvider.Throttling;

/// <summary>The 429 answer of a throttled sign-in: the same whichever account was tried, so it tells nothing about accounts.</summary>
internal static class TooManyAttempts
{
    public static Task WriteAsync(HttpContext context, bool oauthError, TimeSpan retryAfter, string scope)
    {
        ArgumentNullException.ThrowIfNull(context);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var message = $"Too many sign-in attempts {scope}. Try again in {seconds} seconds.";
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        if (oauthError)
        {
            response.ContentType = "application/json";
            var body = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["error"] = "temporarily_unavailable",
                ["error_description"] = message,
            }, ThrottlingJsonContext.Default.DictionaryStringString);
            return response.WriteAsync(body, context.RequestAborted);
        }

        response.ContentType = "text/html; charset=utf-8";
        return response.WriteAsync(
            $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Try again later</title></head><body><h1>Try again later</h1><p role=\"alert\">{WebUtility.HtmlEncode(message)}</p></body></html>",
            context.RequestAborted);
    }
}
