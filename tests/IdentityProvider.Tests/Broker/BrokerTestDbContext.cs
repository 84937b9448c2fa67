using McpSubAgent.IdentityProvider.Broker.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace McpSubAgent.IdentityProvider.Tests.Broker;

/// <summary>A host's context with only the login broker's tables, as the server's own context maps them.</summary>
public sealed class BrokerTestDbContext(DbContextOptions<BrokerTestDbContext> options) : DbContext(options), IDownstreamConnectionContext
{
    public DbSet<DownstreamConnection> DownstreamConnections => Set<DownstreamConnection>();

    public DbSet<DownstreamLoginFlow> DownstreamLoginFlows => Set<DownstreamLoginFlow>();

    public DbSet<DownstreamClientRegistration> DownstreamClientRegistrations => Set<DownstreamClientRegistration>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        // As the server's SQLite context: SQLite cannot compare DateTimeOffset; as text it sorts in time order.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToStringConverter>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.ConfigureDownstreamConnections();
}
