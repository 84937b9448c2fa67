using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.IdentityProvider.Broker.Storage;

/// <summary>A DbContext that stores the login broker's connections, login flows and client registrations (the host's context implements it).</summary>
public interface IDownstreamConnectionContext
{
    DbSet<DownstreamConnection> DownstreamConnections { get; }

    DbSet<DownstreamLoginFlow> DownstreamLoginFlows { get; }

    DbSet<DownstreamClientRegistration> DownstreamClientRegistrations { get; }

    Task<int> SaveChangesAsync(CancellationToken cancellationToken = default);
}
