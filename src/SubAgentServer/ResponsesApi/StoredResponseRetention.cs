using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>Deletes stored responses older than <see cref="ResponsesOptions.Retention"/>; run by the task cleanup sweep.</summary>
internal sealed class StoredResponseRetention(AppDbContext db, TimeProvider timeProvider, IOptions<ResponsesOptions> options)
{
    public Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var before = (timeProvider.GetUtcNow() - options.Value.Retention).ToUnixTimeSeconds();
        return db.StoredResponses.Where(r => r.CreatedAt <= before).ExecuteDeleteAsync(cancellationToken);
    }
}
