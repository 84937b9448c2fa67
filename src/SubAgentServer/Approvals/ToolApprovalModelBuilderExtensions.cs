using McpSubAgent.SubAgentServer.Tasks;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.Approvals;

internal static class ToolApprovalModelBuilderExtensions
{
    public static ModelBuilder ConfigureToolApprovals(this ModelBuilder builder)
    {
        builder.Entity<ToolApproval>(approval =>
        {
            approval.ToTable("ToolApprovals");
            approval.HasKey(a => a.Id);
            approval.Property(a => a.Id).HasMaxLength(ToolApproval.IdMaxLength);
            approval.Property(a => a.UserKey).HasMaxLength(AgentTask.OwnerKeyMaxLength);
            approval.Property(a => a.ArgumentsDigest).HasMaxLength(64);

            // The sweep of expired approvals.
            approval.HasIndex(a => a.ExpiresAt);
        });
        return builder;
    }
}
