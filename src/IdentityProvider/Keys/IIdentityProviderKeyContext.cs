using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.IdentityProvider.Keys;

/// <summary>A DbContext that stores the authorization server's keys (the host's context implements it).</summary>
public interface IIdentityProviderKeyContext
{
    /// <summary>The keys.</summary>
    DbSet<IdentityProviderKey> IdentityProviderKeys { get; }
}
