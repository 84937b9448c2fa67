using McpSubAgent.IdentityProvider.Accounts;
using McpSubAgent.IdentityProvider.Broker.Storage;
using McpSubAgent.IdentityProvider.Keys;
using McpSubAgent.SubAgentServer.Approvals;
using McpSubAgent.SubAgentServer.ChatPage;
using McpSubAgent.SubAgentServer.ResponsesApi;
using McpSubAgent.SubAgentServer.Tasks;
using McpSubAgent.SubAgentServer.Usage;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace McpSubAgent.SubAgentServer.Data;

/// <summary>
/// The one database of the host: Identity accounts, OpenIddict's applications, authorizations and tokens, the
/// Data Protection keys, the authorization server's keys, the login broker's downstream connections, the agent tasks
/// the token usage, the chat page's servers and conversations, the tool calls held for approval, and the stored responses of the Responses API. Each provider has a subclass that owns its migrations.
/// </summary>
public abstract class AppDbContext(DbContextOptions options)
    : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext, IIdentityProviderKeyContext, IDownstreamConnectionContext
{
    /// <summary>
    /// Client ids may be URLs (client ID metadata documents). 850 characters keep the unique index within SQL Server's
    /// 1,700-byte limit.
    /// </summary>
    public const int ClientIdMaxLength = 850;

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<IdentityProviderKey> IdentityProviderKeys => Set<IdentityProviderKey>();

    public DbSet<AgentTask> AgentTasks => Set<AgentTask>();

    public DbSet<DownstreamConnection> DownstreamConnections => Set<DownstreamConnection>();

    public DbSet<DownstreamLoginFlow> DownstreamLoginFlows => Set<DownstreamLoginFlow>();

    public DbSet<DownstreamClientRegistration> DownstreamClientRegistrations => Set<DownstreamClientRegistration>();

    public DbSet<UsageRecord> UsageRecords => Set<UsageRecord>();

    public DbSet<ChatServer> ChatServers => Set<ChatServer>();

    public DbSet<ChatConversation> ChatConversations => Set<ChatConversation>();

    public DbSet<StoredResponse> StoredResponses => Set<StoredResponse>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();
        builder.Entity<OpenIddictEntityFrameworkCoreApplication>().Property(a => a.ClientId).HasMaxLength(ClientIdMaxLength);
        builder.Entity<DataProtectionKey>();
        builder.Entity<IdentityProviderKey>(key =>
        {
            key.ToTable("IdentityProviderKeys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasMaxLength(64);
            key.Property(k => k.Use).HasMaxLength(8);
        });
        builder.Entity<AgentTask>(task =>
        {
            task.ToTable("AgentTasks");
            task.HasKey(t => t.Id);
            task.Property(t => t.Id).HasMaxLength(AgentTask.IdMaxLength);
            task.Property(t => t.OwnerKey).HasMaxLength(AgentTask.OwnerKeyMaxLength);
            task.Property(t => t.Status).HasMaxLength(AgentTaskStatus.MaxLength);
            task.Property(t => t.LeaseOwner).HasMaxLength(128);
            task.Property(t => t.BaseUrl).HasMaxLength(2048);

            // The caller's list (newest first), the count of a caller's unfinished tasks at each batch of starts, the worker's
            // claim, and the retention sweep.
            task.HasIndex(t => new { t.OwnerKey, t.CreatedAt });
            task.HasIndex(t => new { t.OwnerKey, t.Status });
            task.HasIndex(t => new { t.Status, t.LeaseExpiresAt });
            task.HasIndex(t => new { t.Store, t.EndedAt });
        });
        builder.ConfigureDownstreamConnections();

        builder.Entity<UsageRecord>(usage =>
        {
            usage.ToTable("UsageRecords");
            usage.HasKey(u => u.Id);

            // Unique and not clustered: the three columns exceed SQL Server's 900-byte clustered key.
            usage.HasIndex(u => new { u.UserKey, u.Model, u.Day }).IsUnique();
            usage.Property(u => u.UserKey).HasMaxLength(AgentTask.OwnerKeyMaxLength);
            usage.Property(u => u.Model).HasMaxLength(UsageRecord.ModelMaxLength);
        });
        builder.ConfigureChatPage();
        builder.ConfigureToolApprovals();
        builder.ConfigureStoredResponses();
    }
}
