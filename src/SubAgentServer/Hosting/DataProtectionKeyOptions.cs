namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// Where the key that encrypts the Data Protection key ring comes from (configuration section <c>DataProtection</c>).
/// The key ring itself is in the database, so that replicas share it; the key that encrypts it never is.
/// </summary>
public sealed class DataProtectionKeyOptions
{
    public const string SectionName = "DataProtection";

    /// <summary>The name of the key file created in <see cref="KeyDirectory"/>.</summary>
    public const string KeyFileName = "dataprotection-key.pfx";

    /// <summary>
    /// A PFX certificate (a mounted secret) that encrypts the key ring; every replica mounts the same one. When set, no
    /// key file is created.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>, if it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Where the key file is created at first start (mode 0700, the file 0600) when no certificate is configured. By
    /// default a directory next to the SQLite database's, named like it with <c>.keys</c> (<c>App_Data.keys</c> for
    /// <c>App_Data/mcpsubagent.db</c>), so that a copy of the database directory does not carry the key.
    /// </summary>
    public string? KeyDirectory { get; set; }
}
