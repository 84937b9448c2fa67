using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.Data;

/// <summary>The database on PostgreSQL; its migrations are in <c>Data/Migrations/PostgreSql</c>.</summary>
public sealed class PostgreSqlAppDbContext(DbContextOptions<PostgreSqlAppDbContext> options) : AppDbContext(options);
