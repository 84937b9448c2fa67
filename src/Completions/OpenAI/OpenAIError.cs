using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Limits;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Upstream;

namespace McpSubAgent.Completions.OpenAI;

/// <summary>An error in OpenAI's shape, <c>{error:{message,type,param,code}}</c>, with its HTTP status.</summary>
public sealed record OpenAIError(HttpStatusCode StatusCode, string Message, string Type, string? Param = null, string? Code = null)
{
    /// <summary>The error for an exception a run threw before it sent anything; null for exceptions that are not errors of the request or the upstream.</summary>
    public static OpenAIError? From(Exception exception) => exception switch
    {
        InvalidRequestException invalid => new(HttpStatusCode.BadRequest, invalid.Message, "invalid_request_error", invalid.Param, invalid.Code),
        UpstreamException upstream => new(upstream.StatusCode ?? HttpStatusCode.BadGateway, upstream.Message,
            upstream.StatusCode is { } s && (int)s < 500 ? "invalid_request_error" : "upstream_error", Code: "upstream_error")
        {
            UpstreamBody = IsOpenAIErrorBody(upstream.ResponseBody) ? upstream.ResponseBody : null,
        },
        RunRefusedException refused => new(HttpStatusCode.TooManyRequests, refused.Message, "rate_limit_error", Code: "too_many_runs")
        {
            RetryAfter = refused.RetryAfter,
        },
        RunTimedOutException timedOut => new(HttpStatusCode.GatewayTimeout, timedOut.Message, "timeout_error", Code: "run_timeout"),
        _ => null,
    };

    /// <summary>How long the caller should wait before trying again (a <c>Retry-After</c> header), when that is known.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The upstream's own error body, passed on as it was when it is already in OpenAI's shape.</summary>
    public string? UpstreamBody { get; init; }

    /// <summary>The JSON body.</summary>
    public string ToJson() => UpstreamBody ?? new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["message"] = Message,
            ["type"] = Type,
            ["param"] = Param,
            ["code"] = Code,
        },
    }.ToJsonString(ReadableJson.Compact);

    private static bool IsOpenAIErrorBody(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return false;
        }

        try
        {
            return JsonNode.Parse(body) is JsonObject { } o && o["error"] is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
