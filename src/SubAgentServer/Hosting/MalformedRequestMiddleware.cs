using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.OpenAI;
using McpSubAgent.SubAgentServer.OpenAIApi;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

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

    private static readonly HashSet<string> JsonRpcMembers = new(["jsonrpc", "id", "method", "params", "result", "error"], StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context)
    {
        if (IsMcp(context.Request) && HttpMethods.IsPost(context.Request.Method))
        {
            // The MCP SDK reads any POST as JSON and throws on a Content-Type it cannot parse.
            if (!context.Request.HasJsonContentType())
            {
                await WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "The body must be JSON, sent as Content-Type: application/json.");
                return;
            }

            // Its 400 for a body that is no JSON-RPC message quotes the serializer, type names included.
            if (await McpMessageProblemAsync(context.Request) is { } problem)
            {
                await WriteAsync(context, StatusCodes.Status400BadRequest, problem);
                return;
            }
        }

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

    private static async Task<string?> McpMessageProblemAsync(HttpRequest request)
    {
        request.EnableBuffering();
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            var messages = document.RootElement.ValueKind == JsonValueKind.Array ? [.. document.RootElement.EnumerateArray()] : new[] { document.RootElement };
            var typeInfo = McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
            foreach (var message in messages)
            {
                if (message.ValueKind != JsonValueKind.Object)
                {
                    return "The body is not a JSON-RPC message: a message is a JSON object.";
                }

                if (message.EnumerateObject().FirstOrDefault(p => !JsonRpcMembers.Contains(p.Name)) is { Value.ValueKind: not JsonValueKind.Undefined } unknown)
                {
                    return $"The body is not a JSON-RPC message: it has no member '{Clip(unknown.Name)}'.";
                }

                _ = message.Deserialize(typeInfo);
            }

            return null;
        }
        catch (JsonException ex)
        {
            return $"The body is not a JSON-RPC message (at {ex.Path ?? "$"}, byte {ex.BytePositionInLine}).";
        }
        catch (InvalidOperationException)
        {
            // What JsonDocument throws on reading a name or string that is not valid UTF-8 or holds a lone surrogate.
            return "The body is not a JSON-RPC message: a name or string is not valid UTF-8 or holds a lone surrogate.";
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    private static string Clip(string name) => name.Length > 64 ? name[..64] + "…" : name;

    private static bool IsMcp(HttpRequest request) => request.Path.StartsWithSegments("/mcp", StringComparison.OrdinalIgnoreCase);

    private static Task WriteAsync(HttpContext context, int status, string message)
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
