using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using McpSubAgent.Completions.Limits;
using McpSubAgent.SubAgentServer.OpenAIApi;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>Reads the chat API's JSON bodies with its source-generated context, within a size limit.</summary>
internal static class ChatRequestBody
{
    /// <summary>The body, or the validation problem that says why there is none.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, int limit, CancellationToken cancellationToken)
        where T : class
    {
        if (await BoundedBody.ReadAsync(request.Body, limit, request.ContentLength, cancellationToken) is not { } bytes)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"The body is larger than {limit} bytes."));
        }

        try
        {
            StrictJson.Validate(bytes);
        }
        catch (JsonException ex)
        {
            return (null, Invalid("body", $"The body is not valid JSON: {ex.Message}"));
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, typeInfo) is { } value
                ? (value, null)
                : (null, Invalid("body", "The body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            // The serializer's own message names our types; the path says enough.
            return (null, Invalid("body", $"The body is not valid JSON, or a value has the wrong type (at {ex.Path ?? "$"})."));
        }
    }

    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No such {what}.");
}
