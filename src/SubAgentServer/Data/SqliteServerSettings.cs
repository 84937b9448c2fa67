using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
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
/// <remarks>
/// Both settings belong to the native connection, which Microsoft.Data.Sqlite pools and hands out again on the next open:
/// they are set once per native connection, not on every open (EF Core opens a connection for each query and save).
/// </remarks>
internal sealed class SqliteServerSettings : DbConnectionInterceptor
{
    public static readonly SqliteServerSettings Instance = new();

    private const string Pragma = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";

    // Keyed by the native connection's handle, held weakly: an entry goes when the pool closes that connection.
    private readonly ConditionalWeakTable<object, object> _configured = [];

    private SqliteServerSettings()
    {
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (IsConfigured(connection, out var handle))
        {
            return;
        }

        using (var command = connection.CreateCommand())
        {
            command.CommandText = Pragma;
            command.ExecuteNonQuery();
        }

        MarkConfigured(handle);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (IsConfigured(connection, out var handle))
        {
            return;
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = Pragma;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        MarkConfigured(handle);
    }

    private bool IsConfigured(DbConnection connection, out object? handle)
    {
        handle = (connection as SqliteConnection)?.Handle;
        return handle is not null && _configured.TryGetValue(handle, out _);
    }

    private void MarkConfigured(object? handle)
    {
        if (handle is not null)
        {
            _configured.AddOrUpdate(handle, handle);
        }
    }
}
