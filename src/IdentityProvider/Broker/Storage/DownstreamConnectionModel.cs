using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.IdentityProvider.Broker.Storage;

/// <summary>Maps the login broker's tables; the host's DbContext calls it from <c>OnModelCreating</c>.</summary>
public static class DownstreamConnectionModel
{
    private const int HashLength = 64;
    private const int UserKeyLength = 450;
    private const int ProfileLength = 100;
    private const int UrlLength = 2048;

    public static ModelBuilder ConfigureDownstreamConnections(this ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Entity<DownstreamConnection>(connection =>
        {
            connection.ToTable("DownstreamConnections");
            connection.HasKey(c => c.Id);
            connection.Property(c => c.Id).HasMaxLength(HashLength);
            connection.Property(c => c.Key).HasMaxLength(HashLength);
            connection.HasIndex(c => c.Key).IsUnique();
            connection.Property(c => c.UserKey).HasMaxLength(UserKeyLength);
            connection.HasIndex(c => c.UserKey);
            connection.Property(c => c.Profile).HasMaxLength(ProfileLength);
            connection.Property(c => c.ServerUrl).HasMaxLength(UrlLength);
            connection.Property(c => c.Status).HasMaxLength(DownstreamConnectionStatus.MaxLength);
            connection.Property(c => c.Version).IsConcurrencyToken();
        });
        builder.Entity<DownstreamLoginFlow>(flow =>
        {
            flow.ToTable("DownstreamLoginFlows");
            flow.HasKey(f => f.Id);
            flow.Property(f => f.Id).HasMaxLength(HashLength);
            flow.Property(f => f.StateHash).HasMaxLength(HashLength);
            flow.HasIndex(f => f.StateHash).IsUnique();
            flow.Property(f => f.UserKey).HasMaxLength(UserKeyLength);
            flow.Property(f => f.Profile).HasMaxLength(ProfileLength);
            flow.Property(f => f.ServerUrl).HasMaxLength(UrlLength);
            flow.HasIndex(f => f.ExpiresAt);
        });
        builder.Entity<DownstreamClientRegistration>(registration =>
        {
            registration.ToTable("DownstreamClientRegistrations");
            registration.HasKey(r => r.Id);
            registration.Property(r => r.Id).HasMaxLength(HashLength);
            registration.Property(r => r.Issuer).HasMaxLength(UrlLength);
            registration.Property(r => r.RedirectUri).HasMaxLength(UrlLength);
        });
        return builder;
    }
}
