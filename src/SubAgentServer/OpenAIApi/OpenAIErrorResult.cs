using System.Globalization;
using System.Net;
using McpSubAgent.Completions.OpenAI;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>An error in OpenAI's shape, <c>{error:{message,type,param,code}}</c>, with its status and headers.</summary>
internal sealed class OpenAIErrorResult(OpenAIError error) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => (int)error.StatusCode;

    public TimeSpan? RetryAfter { get; init; }

    public bool Challenge { get; init; }

    public static OpenAIErrorResult BadRequest(string message, string? param = null, string code = "invalid_request") =>
        new(new OpenAIError(HttpStatusCode.BadRequest, message, "invalid_request_error", param, code));

    public static OpenAIErrorResult Unauthorized() => new(new OpenAIError(HttpStatusCode.Unauthorized,
        "A valid bearer token is needed: an access token of this server's identity provider (sign in, or the client credentials of an app).",
        "invalid_request_error", Code: "invalid_api_key")) { Challenge = true };

    public static OpenAIErrorResult Forbidden(string message) =>
        new(new OpenAIError(HttpStatusCode.Forbidden, message, "permission_error", Code: "insufficient_scope"));

    public static OpenAIErrorResult ModelNotFound(string model) => new(new OpenAIError(HttpStatusCode.NotFound,
        $"The model '{model}' does not exist or you do not have access to it; GET /v1/models lists the models.",
        "invalid_request_error", "model", "model_not_found"));

    public static OpenAIErrorResult TooLarge(int limit) => new(new OpenAIError(HttpStatusCode.RequestEntityTooLarge,
        $"The request body is larger than {limit:N0} bytes.", "invalid_request_error", Code: "request_too_large"));

    public static OpenAIErrorResult RateLimited(string message, TimeSpan? retryAfter) =>
        new(new OpenAIError(HttpStatusCode.TooManyRequests, message, "rate_limit_error", Code: "rate_limit_exceeded")) { RetryAfter = retryAfter };

    public static OpenAIErrorResult LimitsUnavailable() =>
        new(new OpenAIError(HttpStatusCode.ServiceUnavailable, "The store of the rate limits (Redis) cannot be reached; try again shortly.",
            "server_error", Code: "limits_unavailable")) { RetryAfter = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// An error of the engine or the upstream. The upstream's own failures become 502 (504 for a timeout), and its 401 or
    /// 403 (this server's key was refused) too: the caller's token is not what failed.
    /// </summary>
    public static OpenAIErrorResult From(OpenAIError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Code != "upstream_error")
        {
            return new(error) { RetryAfter = error.RetryAfter };
        }

        return error.StatusCode switch
        {
            HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout => new(error with { StatusCode = HttpStatusCode.GatewayTimeout, Type = "upstream_error" }),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.PaymentRequired => new(new OpenAIError(HttpStatusCode.BadGateway,
                $"The upstream LLM refused this server's credentials ({(int)error.StatusCode}).", "upstream_error", Code: "upstream_error")),
            >= HttpStatusCode.InternalServerError => new(error with { StatusCode = HttpStatusCode.BadGateway, Type = "upstream_error" }),
            _ => new(error),
        };
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = (int)error.StatusCode;
        if (RetryAfter is { } retryAfter)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (Challenge)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        response.ContentType = "application/json";
        await response.WriteAsync(error.ToJson(), httpContext.RequestAborted);
    }
}
