using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.OpenAI;
using McpSubAgent.SubAgentServer.OpenAIApi;

namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// Turns a request that could not be read (a broken body, form limits, bad chunking, MCP messages of the wrong shape)
/// into a 4xx in the format of the endpoint it was sent to, where it would otherwise reach the host as a 500: OAuth's
/// error JSON on <c>/connect</c>, OpenAI's on <c>/v1</c>, JSON-RPC on <c>/mcp</c>, ProblemDetails elsewhere. Only the
/// exceptions that reading a request throws are caught; the message never names a type.
/// </summary>
internal sealed partial class MalformedRequestMiddleware(RequestDelegate next, ILogger<MalformedRequestMiddleware> logger)
{
    private const string KestrelAssembly = "Microsoft.AspNetCore.Server.Kestrel.Core";


    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && Classify(ex, context.Request) is var (status, message))
        {
            LogMalformedRequest(logger, context.Request.Method, context.Request.Path, status, message);
            context.Response.Clear();
            await WriteAsync(context, status, message);
        }
    }

    private static (int Status, string Message)? Classify(Exception ex, HttpRequest request) => ex switch
    {
        BadHttpRequestException bad => (bad.StatusCode, bad.Message),

        // Form limits (field count, key and value length) and undecodable form values.
        InvalidDataException => (StatusCodes.Status400BadRequest, ex.Message),

        // Kestrel's own body framing errors (e.g. a chunk size that overflows).
        IOException when ex.Source == KestrelAssembly => (StatusCodes.Status400BadRequest, "The request body is malformed: " + ex.Message),

        // The MCP SDK deserializes messages and their params itself; its message would name its types.
        JsonException json when IsMcp(request) =>
            (StatusCodes.Status400BadRequest, $"The message does not have the shape of an MCP message (at {json.Path ?? "$"})."),
        _ => null,
    };

    internal static bool IsMcp(HttpRequest request) => request.Path.StartsWithSegments("/mcp", StringComparison.OrdinalIgnoreCase);

    internal static Task WriteAsync(HttpContext context, int status, string message)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
        {
            return new OpenAIErrorResult(new OpenAIError((HttpStatusCode)status, message, "invalid_request_error", Code: "invalid_request")).ExecuteAsync(context);
        }

        if (path.StartsWithSegments("/connect", StringComparison.OrdinalIgnoreCase))
        {
            return WriteJsonAsync(context, status, new JsonObject { ["error"] = "invalid_request", ["error_description"] = message });
        }

        if (IsMcp(context.Request))
        {
            var code = status == StatusCodes.Status415UnsupportedMediaType ? -32600 : -32700;
            return WriteJsonAsync(context, status, new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = null,
                ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
            });
        }

        return TypedResults.Problem(statusCode: status, title: "The request could not be read.", detail: message).ExecuteAsync(context);
    }

    private static Task WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} could not be read and was answered {Status}: {Reason}")]
    private static partial void LogMalformedRequest(ILogger logger, string method, PathString path, int status, string reason);
}
