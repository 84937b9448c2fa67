using McpSubAgent.SubAgentServer.Data;
using Microsoft.AspNetCore.DataProtection;

namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// Data Protection keys live in the database, so that every replica shares them, and are always encrypted with a
/// certificate that does not: the configured one (<c>DataProtection:CertificatePath</c>, a mounted secret), else a key
/// file created at first start next to the database's directory. A copy of the database alone decrypts nothing.
/// </summary>
internal static class DataProtectionExtensions
{
    public static IHostApplicationBuilder AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        // Data Protection takes the certificate while services are registered, so the settings are read here.
        var settings = builder.Configuration.GetSection(DataProtectionKeyOptions.SectionName).Get<DataProtectionKeyOptions>() ?? new();
        if (string.IsNullOrWhiteSpace(settings.KeyDirectory))
        {
            settings.KeyDirectory = DefaultKeyDirectory(builder);
        }

        var certificate = DataProtectionCertificate.Load(settings, TimeProvider.System);
        builder.Services.AddSingleton(certificate);
        builder.Services.AddDataProtection()
            .PersistKeysToDbContext<AppDbContext>()
            .SetApplicationName("McpSubAgent")
            .ProtectKeysWithCertificate(certificate.Certificate);
        builder.Services.AddHostedService<UnencryptedKeyMigration>();
        return builder;
    }

    /// <summary>
    /// <c>{database directory}.keys</c> for SQLite (a sibling, not a child, of the directory a backup copies); for
    /// SQL Server and PostgreSQL, <c>App_Data.keys</c> under the content root.
    /// </summary>
    private static string DefaultKeyDirectory(IHostApplicationBuilder builder)
    {
        var provider = builder.Configuration[$"{DatabaseOptions.SectionName}:Provider"] ?? "Sqlite";
        if (string.Equals(provider, "SqlServer", StringComparison.OrdinalIgnoreCase)
            || string.Equals(provider, DatabaseOptions.PostgreSql, StringComparison.OrdinalIgnoreCase))
        {
            return Path.Combine(builder.Environment.ContentRootPath, "App_Data.keys");
        }

        var connectionString = builder.Configuration.GetConnectionString("Default") ?? DatabaseExtensions.DefaultConnectionString;
        var dataSource = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource;
        var databaseDirectory = Path.GetDirectoryName(Path.GetFullPath(dataSource))?.TrimEnd(Path.DirectorySeparatorChar);
        return string.IsNullOrEmpty(databaseDirectory) || dataSource == ":memory:"
            ? Path.Combine(builder.Environment.ContentRootPath, "App_Data.keys")
            : databaseDirectory + ".keys";
    }
}
