using McpSubAgent.SubAgentServer.OpenAIApi;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>
/// OpenAI's Responses API with its remote MCP tool: <c>POST /v1/responses</c> and the stored responses under
/// <c>/v1/responses/{id}</c>, with the same tokens, rate limits and run limits as <c>/v1/chat/completions</c>.
/// </summary>
internal static class ResponsesApiExtensions
{
    public static WebApplicationBuilder AddResponsesApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ResponsesOptions>().BindConfiguration(ResponsesOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<StoredResponseRetention>();
        return builder;
    }

    public static IEndpointRouteBuilder MapResponsesApi(this IEndpointRouteBuilder endpoints)
    {
        var responses = endpoints.MapGroup("/v1/responses").AddEndpointFilter<OpenAIAuthenticationFilter>();
        responses.MapPost("", ResponsesEndpoint.CreateAsync).AddEndpointFilter<OpenAIRateLimitFilter>();
        responses.MapGet("/{id}", ResponsesEndpoint.GetAsync);
        responses.MapDelete("/{id}", ResponsesEndpoint.DeleteAsync);
        responses.MapGet("/{id}/input_items", ResponsesEndpoint.ListInputItemsAsync);
        responses.MapPost("/{id}/cancel", ResponsesEndpoint.CancelAsync);
        return endpoints;
    }
}
