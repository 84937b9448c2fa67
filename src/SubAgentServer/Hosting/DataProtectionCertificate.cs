using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// The certificate whose key encrypts the Data Protection key ring: the configured one, else the key file, created at
/// first start with permissions only for the process's user. Replicas that share a key directory and start together
/// create one file: each writes its own under a temporary name and renames it into place only if none is there yet.
/// Loaded while the host is built: Data Protection takes the certificate then.
/// </summary>
internal sealed partial class DataProtectionCertificate
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode KeyFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private DataProtectionCertificate(X509Certificate2 certificate, string? createdKeyFile)
    {
        Certificate = certificate;
        CreatedKeyFile = createdKeyFile;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The key file, when this start created it (to be logged once logging is up).</summary>
    public string? CreatedKeyFile { get; }

    public static DataProtectionCertificate Load(DataProtectionKeyOptions settings, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!string.IsNullOrWhiteSpace(settings.CertificatePath))
        {
            if (!File.Exists(settings.CertificatePath))
            {
                throw new InvalidOperationException($"DataProtection:CertificatePath names a file that does not exist: {settings.CertificatePath}.");
            }

            return new(X509CertificateLoader.LoadPkcs12FromFile(settings.CertificatePath, settings.CertificatePassword), null);
        }

        var directory = Path.GetFullPath(settings.KeyDirectory ?? throw new InvalidOperationException("DataProtection:KeyDirectory is not set."));
        var path = Path.Combine(directory, DataProtectionKeyOptions.KeyFileName);
        var created = !File.Exists(path) && Create(directory, path, timeProvider);
        return new(X509CertificateLoader.LoadPkcs12FromFile(path, password: null), created ? path : null);
    }

    public void LogCreation(ILogger logger)
    {
        if (CreatedKeyFile is not null)
        {
            LogKeyFileCreated(logger, CreatedKeyFile);
        }
    }

    /// <summary>Creates the key file; false when another process created it at the same time.</summary>
    private static bool Create(string directory, string path, TimeProvider timeProvider)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, DirectoryMode);
        }

        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest("CN=McpSubAgent Data Protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = timeProvider.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(100));
        var pfx = certificate.Export(X509ContentType.Pkcs12);

        var temporary = Path.Combine(directory, $".{Guid.NewGuid():N}.tmp");
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = KeyFileMode;
        }

        using (var stream = new FileStream(temporary, file))
        {
            stream.Write(pfx);
            stream.Flush(flushToDisk: true);
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another replica created it first: use theirs.
            File.Delete(temporary);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the key that encrypts the Data Protection keys at {Path}: back it up apart from the database; without it, stored tokens cannot be read")]
    private static partial void LogKeyFileCreated(ILogger logger, string path);
}
