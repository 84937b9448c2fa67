using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.SubAgentServer.Data;

/// <summary>Which database the host uses (configuration section <c>Database</c>).</summary>
internal sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>The value of <see cref="Provider"/> for PostgreSQL.</summary>
    public const string PostgreSql = "PostgreSQL";

    /// <summary><c>Sqlite</c> (the embedded default), <c>SqlServer</c> or <c>PostgreSQL</c>.</summary>
    [Required]
    [RegularExpression("^(Sqlite|SqlServer|PostgreSQL)$", ErrorMessage = "Database:Provider must be Sqlite, SqlServer or PostgreSQL.")]
    public string Provider { get; set; } = "Sqlite";
}
