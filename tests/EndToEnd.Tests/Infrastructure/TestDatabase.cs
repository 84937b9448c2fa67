namespace McpSubAgent.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The database of a test host: a SQLite file of its own, or a fresh database on the run's PostgreSQL cluster. Hosts on
/// one PostgreSQL database share a Data Protection key directory in a temp folder (the server's default for server
/// databases is under the content root, which for test hosts is the source tree).
/// </summary>
internal sealed record TestDatabase(string Provider, string ConnectionString, string? SqlitePath)
{
    public string? KeyDirectory { get; init; }

    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSQL";

    public static TestDatabase SqliteFile(string? path = null)
    {
        path ??= Path.Combine(Directory.CreateTempSubdirectory("mcpsubagent-e2e-").FullName, "app.db");
        return new(Sqlite, $"Data Source={path}", path);
    }

    /// <summary>A new, empty database of <paramref name="provider"/> (<see cref="Sqlite"/> or <see cref="PostgreSql"/>).</summary>
    public static async Task<TestDatabase> CreateAsync(string provider)
    {
        if (provider == Sqlite)
        {
            return SqliteFile();
        }

        Assert.Equal(PostgreSql, provider);
        var server = await TestContext.Current.GetFixture<PostgreSqlServer>()
            ?? throw new InvalidOperationException("The PostgreSQL assembly fixture is missing.");
        return new(PostgreSql, await server.CreateDatabaseAsync(TestContext.Current.CancellationToken), null)
        {
            KeyDirectory = Path.Combine(Directory.CreateTempSubdirectory("mcpsubagent-e2e-").FullName, "keys"),
        };
    }
}
