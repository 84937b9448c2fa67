using System.Xml.Linq;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// Logs a key file created at this start, and encrypts in place the Data Protection keys that earlier versions stored unencrypted in the database. The keys stay the
/// same, so everything they protect (downstream tokens, the identity provider's keys) still reads; only the copy in the
/// database stops being readable without the key file. Runs at start, before the server takes requests.
/// </summary>
internal sealed partial class UnencryptedKeyMigration(
    IServiceScopeFactory scopeFactory,
    IOptions<KeyManagementOptions> keyManagement,
    DataProtectionCertificate certificate,
    ILogger<UnencryptedKeyMigration> logger) : IHostedService
{
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";
    private static readonly XName RequiresEncryption = DataProtection + "requiresEncryption";
    private static readonly XName EncryptedSecret = DataProtection + "encryptedSecret";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        certificate.LogCreation(logger);
        var encryptor = keyManagement.Value.XmlEncryptor
            ?? throw new InvalidOperationException("The Data Protection key ring has no encryptor.");
        await using var scope = scopeFactory.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var encrypted = 0;
        await foreach (var key in db.DataProtectionKeys.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (key.Xml is null || !key.Xml.Contains("requiresEncryption", StringComparison.Ordinal))
            {
                continue;
            }

            var element = XElement.Parse(key.Xml);
            var secrets = element.Descendants().Where(e => (bool?)e.Attribute(RequiresEncryption) == true).ToList();
            foreach (var secret in secrets)
            {
                // The form Data Protection writes itself: <encryptedSecret decryptorType="…">{encrypted}</encryptedSecret>.
                var info = encryptor.Encrypt(new XElement(secret));
                secret.ReplaceWith(new XElement(EncryptedSecret,
                    new XAttribute("decryptorType", info.DecryptorType.AssemblyQualifiedName!),
                    info.EncryptedElement));
            }

            if (secrets.Count > 0)
            {
                key.Xml = element.ToString(SaveOptions.DisableFormatting);
                encrypted++;
            }
        }

        if (encrypted > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            LogEncrypted(logger, encrypted);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Encrypted {Count} Data Protection keys that were stored unencrypted in the database; copies of the database made before now still hold them in the clear")]
    private static partial void LogEncrypted(ILogger logger, int count);
}
