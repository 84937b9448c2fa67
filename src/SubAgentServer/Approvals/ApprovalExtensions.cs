using McpSubAgent.Completions.Approvals;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace McpSubAgent.SubAgentServer.Approvals;

/// <summary>Approvals of tool calls: held calls in the database, and the owner's approval pages.</summary>
internal static class ApprovalExtensions
{
    /// <summary>
    /// Keeps held calls in the database instead of the engine's in-memory default, so every replica sees them, and
    /// posts the approval webhook when one is configured.
    /// </summary>
    public static IHostApplicationBuilder AddToolApprovals(this IHostApplicationBuilder builder)
    {
        builder.Services.Replace(ServiceDescriptor.Singleton<IMcpApprovalStore, EfMcpApprovalStore>());
        builder.Services.AddOptions<ApprovalWebhookOptions>().BindConfiguration(ApprovalWebhookOptions.SectionName)
            .Validate(o => o.Url is null || !string.IsNullOrEmpty(o.Secret),
                "Approvals:Webhook:Secret is required when Approvals:Webhook:Url is set: receivers check the signature.")
            .ValidateOnStart();
        builder.Services.AddHttpClient(ApprovalWebhook.HttpClientName).AddStandardResilienceHandler();
        builder.Services.AddSingleton<ApprovalWebhook>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ApprovalWebhook>());
        return builder;
    }

    public static IEndpointRouteBuilder MapToolApprovals(this IEndpointRouteBuilder endpoints) => endpoints.MapApprovalPages();
}
