using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace McpSubAgent.EndToEnd.Tests.Operations;

/// <summary>
/// Each provider's migrations must cover the whole model: a model change without its migration fails here, even where
/// no SQL Server runs (the SQL Server script is generated without a connection). SQLite's and PostgreSQL's are applied
/// to a real empty database.
/// </summary>
public sealed class MigrationTests
{
    private static SqlServerAppDbContext SqlServer() =>
        new(new DbContextOptionsBuilder<SqlServerAppDbContext>().UseSqlServer("Server=unused;Database=unused").UseOpenIddict().Options);

    private static PostgreSqlAppDbContext PostgreSql(string connectionString = "Host=unused;Database=unused") =>
        new(new DbContextOptionsBuilder<PostgreSqlAppDbContext>().UseNpgsql(connectionString).UseOpenIddict().Options);

    private static SqliteAppDbContext Sqlite() =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite("Data Source=:memory:").UseOpenIddict().Options);

    [Fact]
    public void SqlServer_MigrationsCoverTheModel()
    {
        using var db = SqlServer();
        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes without a SQL Server migration: add one (see Data/Migrations).");
    }

    [Fact]
    public void Sqlite_MigrationsCoverTheModel()
    {
        using var db = Sqlite();
        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes without a SQLite migration: add one (see Data/Migrations).");
    }

    [Fact]
    public void PostgreSql_MigrationsCoverTheModel()
    {
        using var db = PostgreSql();
        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes without a PostgreSQL migration: add one (see Data/Migrations).");
    }

    [Fact]
    public async Task PostgreSql_MigrationsApplyToAnEmptyDatabase()
    {
        var database = await TestDatabase.CreateAsync(TestDatabase.PostgreSql);
        await using var db = PostgreSql(database.ConnectionString);

        await db.Database.MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await db.Users.CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await db.AgentTasks.CountAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void SqlServer_IdempotentScript_CreatesEveryTableOfTheModel()
    {
        using var db = SqlServer();

        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        Assert.Contains("IF NOT EXISTS", script, StringComparison.Ordinal);
        foreach (var table in db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct())
        {
            Assert.Contains($"CREATE TABLE [{table}]", script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Sqlite_MigrationsApplyToAnEmptyDatabase()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("mcpsubagent-migrate-").FullName, "db.sqlite");
        await using var db = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite($"Data Source={path}").UseOpenIddict().Options);

        await db.Database.MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await db.Users.CountAsync(TestContext.Current.CancellationToken));
    }
}
