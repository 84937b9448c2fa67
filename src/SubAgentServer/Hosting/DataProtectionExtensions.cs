using System.Security.Cryptography.X509Certificates;
using McpSubAgent.SubAgentServer.Data;
using Microsoft.AspNetCore.DataProtection;

namespace McpSubAgent.SubAgentServer.Hosting;

/// <summary>
/// Data Protection keys live in the database, so that every replica shares them. With
/// <c>DataProtection:CertificatePath</c> set, the keys are encrypted with that certificate; without it they are stored
/// as they are, and whoever can read the database can read what they protect (the identity provider's keys). Set it in
/// production.
/// </summary>
internal static class DataProtectionExtensions
{
    public static IHostApplicationBuilder AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        var protection = builder.Services.AddDataProtection()
            .PersistKeysToDbContext<AppDbContext>()
            .SetApplicationName("McpSubAgent");

        var certificatePath = builder.Configuration["DataProtection:CertificatePath"];
        if (!string.IsNullOrWhiteSpace(certificatePath))
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, builder.Configuration["DataProtection:CertificatePassword"]);
            protection.ProtectKeysWithCertificate(certificate);
        }

        return builder;
    }
}
