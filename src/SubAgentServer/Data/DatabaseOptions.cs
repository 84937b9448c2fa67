using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.SubAgentServer.Data;

/// <summary>Which database the host uses (configuration section <c>Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary><c>Sqlite</c> (the embedded default) or <c>SqlServer</c>.</summary>
    [Required]
    [RegularExpression("^(Sqlite|SqlServer)$", ErrorMessage = "Database:Provider must be Sqlite or SqlServer.")]
    public string Provider { get; set; } = "Sqlite";
}
