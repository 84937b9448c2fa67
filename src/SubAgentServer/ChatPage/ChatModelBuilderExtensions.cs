using McpSubAgent.SubAgentServer.Tasks;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>The chat page's tables: each person's MCP servers and conversations.</summary>
internal static class ChatModelBuilderExtensions
{
    public static ModelBuilder ConfigureChatPage(this ModelBuilder builder)
    {
        builder.Entity<ChatServer>(server =>
        {
            server.ToTable("ChatServers");
            server.HasKey(s => s.Id);
            server.Property(s => s.Id).HasMaxLength(ChatServer.IdMaxLength);
            server.Property(s => s.UserKey).HasMaxLength(AgentTask.OwnerKeyMaxLength);
            server.Property(s => s.Url).HasMaxLength(ChatServer.UrlMaxLength);
            server.HasIndex(s => new { s.UserKey, s.CreatedAt });
        });
        builder.Entity<ChatConversation>(conversation =>
        {
            conversation.ToTable("ChatConversations");
            conversation.HasKey(c => c.Id);
            conversation.Property(c => c.Id).HasMaxLength(ChatServer.IdMaxLength);
            conversation.Property(c => c.UserKey).HasMaxLength(AgentTask.OwnerKeyMaxLength);
            conversation.Property(c => c.Title).HasMaxLength(ChatConversation.TitleMaxLength);
            conversation.Property(c => c.Model).HasMaxLength(Usage.UsageRecord.ModelMaxLength);

            // The person's list, most recently used first.
            conversation.HasIndex(c => new { c.UserKey, c.UpdatedAt });
        });
        return builder;
    }
}
