using McpSubAgent.SubAgentServer.Redis;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// The OpenAI-compatible API: <c>POST /v1/chat/completions</c>, <c>GET /v1/models</c> and <c>GET /v1/usage</c>, for
/// people's bearer tokens and apps' client-credentials tokens of our identity provider.
/// </summary>
internal static class OpenAIApiExtensions
{
    public static IHostApplicationBuilder AddOpenAIApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OpenAIApiOptions>().BindConfiguration(OpenAIApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddRedisConnection(builder.Configuration).AddSingleton<OpenAIRateLimiter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapOpenAIApi(this IEndpointRouteBuilder endpoints)
    {
        var v1 = endpoints.MapGroup("/v1").AddEndpointFilter<OpenAIAuthenticationFilter>();
        v1.MapPost("/chat/completions", ChatCompletionsEndpoint.CreateAsync).AddEndpointFilter<OpenAIRateLimitFilter>();
        v1.MapGet("/models", ModelsEndpoint.ListAsync);
        v1.MapGet("/models/{*id}", ModelsEndpoint.GetAsync);
        v1.MapGet("/usage", UsageEndpoint.GetAsync);
        return endpoints;
    }
}
