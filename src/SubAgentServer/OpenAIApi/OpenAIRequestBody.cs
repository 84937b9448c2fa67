using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Limits;
using McpSubAgent.Completions.OpenAI;
using McpSubAgent.Completions.Requests;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// Reads the JSON object a <c>/v1</c> endpoint is posted: bounded by <see cref="OpenAIApiOptions.MaxRequestBodyBytes"/>,
/// checked by <see cref="StrictJson"/>, and refused in OpenAI's error format (413, or 400 for anything but a JSON object).
/// </summary>
internal static class OpenAIRequestBody
{
    public static async Task<(JsonObject? Body, IResult? Refusal)> ReadAsync(HttpContext http, IOptions<OpenAIApiOptions> options)
    {
        var limit = options.Value.MaxRequestBodyBytes;
        if (await BoundedBody.ReadAsync(http.Request.Body, limit, http.Request.ContentLength, http.RequestAborted) is not { } bytes)
        {
            return (null, OpenAIErrorResult.TooLarge(limit));
        }

        try
        {
            StrictJson.Validate(bytes);
            return JsonNode.Parse(bytes) is JsonObject body ? (body, null) : (null, Invalid("The request body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            return (null, Invalid($"The request body is not valid JSON: {ex.Message}"));
        }
    }

    private static OpenAIErrorResult Invalid(string message) => OpenAIErrorResult.From(OpenAIError.From(new InvalidRequestException(message))!);
}
