using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using McpSubAgent.SubAgentServer.Hosting;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>
/// Checks a POST to <c>/mcp</c> before the MCP SDK reads it, once the caller is authorized: the SDK throws (a 500) on a
/// Content-Type it cannot parse, and its 400 for a body that is no JSON-RPC message quotes the serializer, type names
/// included. Answers are JSON-RPC errors. A plain <c>tools/list</c> is answered from <see cref="ToolListCache"/>.
/// </summary>
internal sealed class McpMessageValidationMiddleware(RequestDelegate next, ToolListCache toolList)
{
    private static readonly HashSet<string> JsonRpcMembers = new(["jsonrpc", "id", "method", "params", "result", "error"], StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context)
    {
        if (MalformedRequestMiddleware.IsMcp(context.Request) && HttpMethods.IsPost(context.Request.Method))
        {
            // The MCP SDK reads any POST as JSON and throws on a Content-Type it cannot parse.
            if (!context.Request.HasJsonContentType())
            {
                await MalformedRequestMiddleware.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "The body must be JSON, sent as Content-Type: application/json.");
                return;
            }

            // Its 400 for a body that is no JSON-RPC message quotes the serializer, type names included.
            var (problem, toolListId) = await ReadMessageAsync(context.Request, toolList);
            if (problem is not null)
            {
                await MalformedRequestMiddleware.WriteAsync(context, StatusCodes.Status400BadRequest, problem);
                return;
            }

            if (toolListId is not null)
            {
                await toolList.AnswerAsync(context, toolListId, next);
                return;
            }
        }

        await next(context);
    }

    /// <summary>What is wrong with the body, or else the id of a plain tools/list request (see <see cref="ToolListCache"/>).</summary>
    private static async Task<(string? Problem, byte[]? ToolListId)> ReadMessageAsync(HttpRequest request, ToolListCache toolList)
    {
        // Read once into memory and give the SDK the same bytes: cheaper than EnableBuffering's file-backed stream and an
        // asynchronous parse of it (a JSON document takes the whole body into memory either way; Kestrel's
        // MaxRequestBodySize bounds it).
        var body = await ReadBodyAsync(request);
        request.Body = new MemoryStream(body, writable: false);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (toolList.PlainRequestId(request, document.RootElement) is { } toolListId)
            {
                return (null, toolListId);
            }

            var messages = document.RootElement.ValueKind == JsonValueKind.Array ? [.. document.RootElement.EnumerateArray()] : new[] { document.RootElement };
            var typeInfo = McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
            foreach (var message in messages)
            {
                if (message.ValueKind != JsonValueKind.Object)
                {
                    return ("The body is not a JSON-RPC message: a message is a JSON object.", null);
                }

                foreach (var member in message.EnumerateObject())
                {
                    if (!JsonRpcMembers.Contains(member.Name))
                    {
                        return ($"The body is not a JSON-RPC message: it has no member '{Clip(member.Name)}'.", null);
                    }
                }

                // From the message's own bytes, as JsonElement.Deserialize would read them, without copying them first.
                _ = JsonSerializer.Deserialize(JsonMarshal.GetRawUtf8Value(message), typeInfo);
            }

            return (null, null);
        }
        catch (JsonException ex)
        {
            return ($"The body is not a JSON-RPC message (at {ex.Path ?? "$"}, byte {ex.BytePositionInLine}).", null);
        }
        catch (InvalidOperationException)
        {
            // What JsonDocument throws on reading a name or string that is not valid UTF-8 or holds a lone surrogate.
            return ("The body is not a JSON-RPC message: a name or string is not valid UTF-8 or holds a lone surrogate.", null);
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(request.HttpContext.RequestAborted);
            if (read.IsCompleted || read.IsCanceled)
            {
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return bytes;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static string Clip(string name) => name.Length > 64 ? name[..64] + "…" : name;
}
