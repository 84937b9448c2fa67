using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace McpSubAgent.SubAgentServer.Data;

/// <summary>
/// <c>synchronous=NORMAL</c> on every SQLite connection: with WAL the usual server setting, a commit no longer waits for
/// the disk (the log is synced at checkpoints; a power loss may lose the last commits, never corrupt the file).
/// </summary>
internal sealed class SqliteServerSettings : DbConnectionInterceptor
{
    public static readonly SqliteServerSettings Instance = new();

    private const string Pragma = "PRAGMA synchronous=NORMAL;";

    private SqliteServerSettings()
    {
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
