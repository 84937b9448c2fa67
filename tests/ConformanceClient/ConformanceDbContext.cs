using McpSubAgent.IdentityProvider.Broker.Storage;
using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.ConformanceClient;

/// <summary>Only the login broker's tables, in a throwaway SQLite file: one conformance scenario is one process.</summary>
internal sealed class ConformanceDbContext(DbContextOptions<ConformanceDbContext> options) : DbContext(options), IDownstreamConnectionContext
{
    public DbSet<DownstreamConnection> DownstreamConnections => Set<DownstreamConnection>();

    public DbSet<DownstreamLoginFlow> DownstreamLoginFlows => Set<DownstreamLoginFlow>();

    public DbSet<DownstreamClientRegistration> DownstreamClientRegistrations => Set<DownstreamClientRegistration>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.ConfigureDownstreamConnections();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<Microsoft.EntityFrameworkCore.Storage.ValueConversion.DateTimeOffsetToStringConverter>();
}
