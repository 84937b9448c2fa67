using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>The error format each kind of endpoint answers in, and a check that a response body is in it.</summary>
internal enum ErrorFormat
{
    /// <summary>OAuth's <c>{error, error_description}</c> (OpenIddict's endpoints).</summary>
    OAuth,

    /// <summary>OpenAI's <c>{error:{message,type,param,code}}</c> (<c>/v1</c>).</summary>
    OpenAI,

    /// <summary>A JSON-RPC error (<c>/mcp</c>).</summary>
    JsonRpc,

    /// <summary>ProblemDetails (our own APIs).</summary>
    Problem,

    /// <summary>A page for people: any 4xx page will do.</summary>
    Page,
}

internal static class ErrorFormats
{
    /// <summary>For a path of the server, the format its errors are in.</summary>
    public static ErrorFormat For(string target) => target switch
    {
        _ when target.StartsWith("/connect/", StringComparison.Ordinal) => ErrorFormat.OAuth,
        _ when target.StartsWith("/v1/", StringComparison.Ordinal) => ErrorFormat.OpenAI,
        _ when target.StartsWith("/mcp", StringComparison.Ordinal) => ErrorFormat.JsonRpc,
        _ when target.StartsWith("/api/", StringComparison.Ordinal) => ErrorFormat.Problem,
        _ => ErrorFormat.Page,
    };

    /// <summary>Why the response is not an error in that format, or null when it is.</summary>
    public static string? Mismatch(ErrorFormat format, RawHttpResponse response)
    {
        if (format == ErrorFormat.Page)
        {
            return null;
        }

        JsonNode? json;
        try
        {
            json = JsonNode.Parse(response.Body);
        }
        catch (JsonException)
        {
            return $"the body is not JSON: {response.Body}";
        }

        var ok = format switch
        {
            ErrorFormat.OAuth => json?["error"] is JsonValue,
            ErrorFormat.OpenAI => json?["error"]?["message"] is JsonValue && json["error"]?["type"] is JsonValue,
            ErrorFormat.JsonRpc => (string?)json?["jsonrpc"] == "2.0" && json["error"]?["code"] is JsonValue,
            _ => response.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) == true && json?["status"] is JsonValue,
        };
        return ok ? null : $"not a {format} error ({response.ContentType}): {response.Body}";
    }
}
