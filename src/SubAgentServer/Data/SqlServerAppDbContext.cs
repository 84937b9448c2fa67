using Microsoft.EntityFrameworkCore;

namespace McpSubAgent.SubAgentServer.Data;

/// <summary>The database on SQL Server; its migrations are in <c>Data/Migrations/SqlServer</c>.</summary>
public sealed class SqlServerAppDbContext(DbContextOptions<SqlServerAppDbContext> options) : AppDbContext(options);
