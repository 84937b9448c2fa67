using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Hosting;

public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_IsLiveness_AndReadyChecksTheDatabase()
    {
        await using var host = await SubAgentHost.StartAsync();
        using var http = host.CreateHttpClient();

        using var live = await http.GetAsync("healthz", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", (string?)JsonNode.Parse(await live.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["status"]);

        using var ready = await http.GetAsync("healthz/ready", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = JsonNode.Parse(await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        Assert.Equal("Healthy", (string?)body["status"]);
        Assert.Equal("Healthy", (string?)body["checks"]!["database"]);
    }

    [Fact]
    public async Task SqliteDatabase_IsInWalMode()
    {
        await using var host = await SubAgentHost.StartAsync();
        await using var connection = new SqliteConnection($"Data Source={host.DatabasePath}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task SqliteConnections_OfTheServer_AreSetUpForAServer_OnEveryOpen()
    {
        await using var host = await SubAgentHost.StartAsync();

        // Many opens in a row: most get a native connection back from the pool, whose settings were made once.
        for (var open = 0; open < 20; open++)
        {
            await using var scope = host.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
            try
            {
                var connection = db.Database.GetDbConnection();
                Assert.Equal(1L, await PragmaAsync(connection, "synchronous")); // NORMAL
                Assert.Equal(30000L, await PragmaAsync(connection, "busy_timeout"));
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    private static async Task<long?> PragmaAsync(System.Data.Common.DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return (long?)await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
