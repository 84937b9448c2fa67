using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace McpSubAgent.IdentityProvider.Server;

/// <summary>Removes expired and revoked tokens and authorizations now and then (OpenIddict.Quartz is not available here).</summary>
internal sealed partial class TokenPruningService(
    IServiceScopeFactory scopeFactory,
    IOptions<IdentityProviderOptions> options,
    TimeProvider timeProvider,
    ILogger<TokenPruningService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await PruneOnceAsync(stoppingToken);
        }
    }

    public async Task PruneOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();

        // Entries older than a day past their end are no longer needed to detect a replayed token.
        var threshold = timeProvider.GetUtcNow().AddDays(-1);
        var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken);
        var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken);
        LogPruned(logger, tokens, authorizations);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Tokens} tokens and {Authorizations} authorizations")]
    private static partial void LogPruned(ILogger logger, long tokens, long authorizations);
}
