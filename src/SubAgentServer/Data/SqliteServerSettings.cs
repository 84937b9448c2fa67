using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace McpSubAgent.SubAgentServer.Data;

/// <summary>
/// <c>synchronous=NORMAL</c> on every SQLite connection: with WAL the usual server setting, a commit no longer waits for
/// the disk (the log is synced at checkpoints; a power loss may lose the last commits, never corrupt the file).
/// And <c>busy_timeout</c>: a writer that finds the write lock taken waits in SQLite's own busy handler (sleeps of 1 to
/// 100 ms, as long as Microsoft.Data.Sqlite's default command timeout of 30 s) instead of Microsoft.Data.Sqlite's retry
/// loop, which sleeps 150 ms per try; with many task starts, claims and finishes at once those sleeps made up most of a
/// start's time (docs/benchmarks.md).
/// </summary>
internal sealed class SqliteServerSettings : DbConnectionInterceptor
{
    public static readonly SqliteServerSettings Instance = new();

    private const string Pragma = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";

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
