using McpSubAgent.Completions.Approvals;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace McpSubAgent.SubAgentServer.Approvals;

/// <summary>Approvals of tool calls: held calls in the database, and the owner's approval pages.</summary>
internal static class ApprovalExtensions
{
    /// <summary>Keeps held calls in the database instead of the engine's in-memory default, so every replica sees them.</summary>
    public static IHostApplicationBuilder AddToolApprovals(this IHostApplicationBuilder builder)
    {
        builder.Services.Replace(ServiceDescriptor.Singleton<IMcpApprovalStore, EfMcpApprovalStore>());
        return builder;
    }

    public static IEndpointRouteBuilder MapToolApprovals(this IEndpointRouteBuilder endpoints) => endpoints.MapApprovalPages();
}
