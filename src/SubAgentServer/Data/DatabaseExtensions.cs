using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.Data;

/// <summary>Registers the database and applies its migrations at start.</summary>
internal static class DatabaseExtensions
{
    public const string DefaultConnectionString = "Data Source=App_Data/mcpsubagent.db";

    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var provider = builder.Configuration[$"{DatabaseOptions.SectionName}:Provider"] ?? "Sqlite";
        var connectionString = builder.Configuration.GetConnectionString("Default") ?? DefaultConnectionString;

        // Pooled: an authenticated request that reads a row should not pay for building a context and its options.
        if (string.Equals(provider, "SqlServer", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddDbContextPool<AppDbContext, SqlServerAppDbContext>(o => o.UseSqlServer(connectionString).UseOpenIddict());
        }
        else if (string.Equals(provider, DatabaseOptions.PostgreSql, StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddDbContextPool<AppDbContext, PostgreSqlAppDbContext>(o => o.UseNpgsql(connectionString).UseOpenIddict());
        }
        else
        {
            builder.Services.AddDbContextPool<AppDbContext, SqliteAppDbContext>(o => o.UseSqlite(connectionString).UseOpenIddict()
                .AddInterceptors(SqliteServerSettings.Instance));
        }

        builder.Services.AddHealthChecks().AddDbContextCheck<AppDbContext>("database", tags: [Health.HealthExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Applies pending migrations (never EnsureCreated), creating the SQLite folder first and switching it to WAL. Replicas
    /// starting together are safe on the server databases: EF Core takes a database lock around the migrations there.
    /// </summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        if (db.Database.IsSqlite())
        {
            var dataSource = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(dataSource));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // Readers no longer wait for the writer, and a commit appends to the log instead of rewriting and syncing
            // the file; the mode is stored in the file, so this is needed once per database.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}
