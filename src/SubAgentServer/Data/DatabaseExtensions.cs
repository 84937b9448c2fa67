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

        if (string.Equals(provider, "SqlServer", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddDbContext<AppDbContext, SqlServerAppDbContext>(o => o.UseSqlServer(connectionString).UseOpenIddict());
        }
        else
        {
            builder.Services.AddDbContext<AppDbContext, SqliteAppDbContext>(o => o.UseSqlite(connectionString).UseOpenIddict());
        }

        builder.Services.AddHealthChecks().AddDbContextCheck<AppDbContext>("database");
        return builder;
    }

    /// <summary>Applies pending migrations (never EnsureCreated), creating the SQLite folder first.</summary>
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
    }
}
