using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;

namespace McpSubAgent.IdentityProvider.Tests;

/// <summary>The end of a test's loopback app over a SQLite file in its own folder.</summary>
internal static class LoopbackApps
{
    /// <summary>Stops and disposes the app, closes its SQLite connections and deletes its folder.</summary>
    public static async Task StopAndDeleteAsync(WebApplication app, string directory)
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await app.StopAsync(timeout.Token);
        }

        await app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is left to the OS's temp cleanup; it does not affect other tests.
        }
    }
}
