using McpSubAgent.SubAgentServer.Tasks;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

internal static class StoredResponseModelBuilderExtensions
{
    public static ModelBuilder ConfigureStoredResponses(this ModelBuilder builder)
    {
        builder.Entity<StoredResponse>(response =>
        {
            response.ToTable("StoredResponses");
            response.HasKey(r => r.Id);
            response.Property(r => r.Id).HasMaxLength(ResponseIds.MaxLength);
            response.Property(r => r.OwnerKey).HasMaxLength(AgentTask.OwnerKeyMaxLength);
            response.Property(r => r.Status).HasMaxLength(StoredResponse.StatusMaxLength);
            response.Property(r => r.PreviousResponseId).HasMaxLength(ResponseIds.MaxLength);
            response.Property(r => r.TaskId).HasMaxLength(AgentTask.IdMaxLength);
            response.HasIndex(r => new { r.OwnerKey, r.CreatedAt });
        });
        return builder;
    }
}
