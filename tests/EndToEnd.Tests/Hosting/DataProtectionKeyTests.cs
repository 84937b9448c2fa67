using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.IdentityProvider.Broker;
using McpSubAgent.IdentityProvider.Broker.Tokens;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Hosting;

/// <summary>
/// The Data Protection key ring is in the database but encrypted with a key file that is not: a copy of the database
/// (the SQLite file with its -wal and -shm) decrypts neither the identity provider's signing key nor a downstream token.
/// </summary>
public sealed class DataProtectionKeyTests
{
    private const string IdentityProviderKeysPurpose = "McpSubAgent.IdentityProvider.Keys";
    private const string BrokerPurpose = "McpSubAgent.Broker.v1";

    [Fact]
    public async Task DatabaseCopy_WithoutTheKeyFile_DecryptsNothing_AndWithItEverything()
    {
        var host = await SubAgentHost.StartAsync();
        using (var http = host.CreateHttpClient())
        {
            // Publishing the key set creates the identity provider's keys, stored protected.
            var discovery = await http.GetFromJsonAsync<JsonElement>(".well-known/openid-configuration", TestContext.Current.CancellationToken);
            using var keySet = await http.GetAsync(discovery.GetProperty("jwks_uri").GetString(), TestContext.Current.CancellationToken);
            keySet.EnsureSuccessStatusCode();
        }

        string protectedToken;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var tokens = new DownstreamTokens("downstream-access-token", "downstream-refresh-token", "Bearer");
            protectedToken = scope.ServiceProvider.GetRequiredService<TokenProtector>().Protect(tokens, DownstreamTokens.TypeInfo);
        }

        var databaseDirectory = Path.GetDirectoryName(host.DatabasePath)!;
        await host.DisposeAsync();
        SqliteConnection.ClearAllPools();

        // The key file: created at first start in a directory of its own next to the database's, readable by its owner only.
        var keyFile = Path.Combine(databaseDirectory + ".keys", DataProtectionKeyOptions.KeyFileName);
        Assert.True(File.Exists(keyFile));
        Assert.False(keyFile.StartsWith(databaseDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(keyFile)!));
        }

        var copy = CopyDatabase(host.DatabasePath);
        string signingKey;
        await using (var db = Open(copy))
        {
            var keyRing = await db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync(TestContext.Current.CancellationToken);
            Assert.NotEmpty(keyRing);
            Assert.All(keyRing, xml =>
            {
                Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
                Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
            });
            signingKey = (await db.IdentityProviderKeys.SingleAsync(k => k.Use == "sig", TestContext.Current.CancellationToken)).ProtectedKey;
        }

        using (var withoutKey = DataProtectionOn(copy, certificate: null))
        {
            Assert.ThrowsAny<CryptographicException>(() => Protector(withoutKey, IdentityProviderKeysPurpose).Unprotect(Convert.FromBase64String(signingKey)));
            Assert.ThrowsAny<CryptographicException>(() => Protector(withoutKey, BrokerPurpose).Unprotect(protectedToken));
        }

        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(keyFile, password: null);
        using var withKey = DataProtectionOn(CopyDatabase(host.DatabasePath), certificate);
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(Protector(withKey, IdentityProviderKeysPurpose).Unprotect(Convert.FromBase64String(signingKey)), out _);
        Assert.Contains("downstream-refresh-token", Protector(withKey, BrokerPurpose).Unprotect(protectedToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnencryptedKeysOfAnEarlierVersion_AreEncryptedAtStart_AndWhatTheyProtectStillReads()
    {
        var databasePath = Path.Combine(Directory.CreateTempSubdirectory("mcpsubagent-e2e-").FullName, "app.db");
        await using (var db = Open(databasePath))
        {
            await db.Database.MigrateAsync(TestContext.Current.CancellationToken);
        }

        // What earlier versions did: the key ring in the database, unencrypted.
        string secret;
        using (var earlier = DataProtectionOn(databasePath, certificate: null))
        {
            secret = Protector(earlier, BrokerPurpose).Protect("protected by an unencrypted key");
        }

        await using (var db = Open(databasePath))
        {
            Assert.Contains(await db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync(TestContext.Current.CancellationToken),
                xml => xml.Contains("<masterKey", StringComparison.Ordinal));
        }

        await using (var host = await SubAgentHost.StartAsync(databasePath))
        {
            var provider = host.Services.GetRequiredService<IDataProtectionProvider>();
            Assert.Equal("protected by an unencrypted key", provider.CreateProtector(BrokerPurpose).Unprotect(secret));
        }

        SqliteConnection.ClearAllPools();
        var copy = CopyDatabase(databasePath);
        await using (var db = Open(copy))
        {
            Assert.All(await db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync(TestContext.Current.CancellationToken),
                xml => Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal));
        }

        using var withoutKey = DataProtectionOn(copy, certificate: null);
        Assert.ThrowsAny<CryptographicException>(() => Protector(withoutKey, BrokerPurpose).Unprotect(secret));
    }

    /// <summary>Copies only the database (with its -wal and -shm) to a directory that has no key file next to it.</summary>
    private static string CopyDatabase(string databasePath)
    {
        var target = Path.Combine(Directory.CreateTempSubdirectory("mcpsubagent-copy-").FullName, "copy.db");
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(databasePath + suffix))
            {
                File.Copy(databasePath + suffix, target + suffix);
            }
        }

        return target;
    }

    private static SqliteAppDbContext Open(string databasePath) =>
        new(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite($"Data Source={databasePath}").UseOpenIddict().Options);

    /// <summary>A fresh Data Protection provider on a database's key ring, as the server configures it, with or without the key.</summary>
    private static ServiceProvider DataProtectionOn(string databasePath, X509Certificate2? certificate)
    {
        var services = new ServiceCollection();
        services.AddDbContext<SqliteAppDbContext>(o => o.UseSqlite($"Data Source={databasePath}").UseOpenIddict());
        var protection = services.AddDataProtection().SetApplicationName("McpSubAgent").PersistKeysToDbContext<SqliteAppDbContext>();
        if (certificate is not null)
        {
            protection.UnprotectKeysWithAnyCertificate(certificate);
        }

        return services.BuildServiceProvider();
    }

    private static IDataProtector Protector(ServiceProvider services, string purpose) =>
        services.GetRequiredService<IDataProtectionProvider>().CreateProtector(purpose);
}
