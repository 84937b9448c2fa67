using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.Completions;
using McpSubAgent.Completions.OpenAI;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary><c>GET /v1/models</c> and <c>GET /v1/models/{id}</c>: the providers' models, as callers name them.</summary>
internal static class ModelsEndpoint
{
    public static async Task<IResult> ListAsync(ModelCatalog catalog, IOptions<CompletionsOptions> completions, CancellationToken cancellationToken)
    {
        var models = await catalog.ListAsync(cancellationToken);
        if (models is null)
        {
            return new OpenAIErrorResult(new OpenAIError(HttpStatusCode.BadGateway,
                "No upstream LLM provider offers a model list; any model id is passed on to the provider, and the default is "
                + $"'{completions.Value.DefaultModel}'.", "upstream_error", Code: "upstream_error"));
        }

        var list = new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. models.Select(m => (JsonNode)m.DeepClone())]),
        };
        return TypedResults.Text(list.ToJsonString(ReadableJson.Compact), "application/json");
    }

    public static async Task<IResult> GetAsync(string id, ModelCatalog catalog, CancellationToken cancellationToken)
    {
        var models = await catalog.ListAsync(cancellationToken) ?? [];
        return models.FirstOrDefault(m => (string?)m["id"] == id) is { } model
            ? TypedResults.Text(model.ToJsonString(ReadableJson.Compact), "application/json")
            : OpenAIErrorResult.ModelNotFound(id);
    }
}
