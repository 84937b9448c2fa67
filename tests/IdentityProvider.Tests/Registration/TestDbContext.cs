using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace McpSubAgent.IdentityProvider.Tests.Registration;

/// <summary>OpenIddict's default entities with the ClientId column widened for URL client ids, as the host's context does.</summary>
public sealed class TestDbContext(DbContextOptions<TestDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.UseOpenIddict();
        modelBuilder.Entity<OpenIddictEntityFrameworkCoreApplication>().Property(application => application.ClientId).HasMaxLength(2_000);
    }
}
