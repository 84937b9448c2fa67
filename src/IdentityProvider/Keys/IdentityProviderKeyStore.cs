using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace McpSubAgent.IdentityProvider.Keys;

/// <summary>
/// Loads the authorization server's RSA signing and encryption keys from the database, creating them on first start.
/// The ids are fixed, so two replicas starting together cannot create two sets: the loser of the insert reloads.
/// </summary>
internal sealed class IdentityProviderKeyStore<TContext>(
    IServiceScopeFactory scopeFactory,
    IDataProtectionProvider dataProtection,
    TimeProvider timeProvider)
    where TContext : DbContext, IIdentityProviderKeyContext
{
    public const string SigningKeyId = "mcpsubagent-signing-1";
    public const string EncryptionKeyId = "mcpsubagent-encryption-1";

    private readonly IDataProtector _protector = dataProtection.CreateProtector("McpSubAgent.IdentityProvider.Keys");
    private (RsaSecurityKey Signing, RsaSecurityKey Encryption)? _loaded;
    private readonly Lock _lock = new();

    public RsaSecurityKey SigningKey => Keys().Signing;

    public RsaSecurityKey EncryptionKey => Keys().Encryption;

    private (RsaSecurityKey Signing, RsaSecurityKey Encryption) Keys()
    {
        lock (_lock)
        {
            // Options are built synchronously by the frameworks that ask for these keys.
            return _loaded ??= (Load(SigningKeyId, "sig"), Load(EncryptionKeyId, "enc"));
        }
    }

    private RsaSecurityKey Load(string id, string use)
    {
        using var scope = scopeFactory.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var stored = db.IdentityProviderKeys.AsNoTracking().SingleOrDefault(k => k.Id == id);
        if (stored is null)
        {
            using var rsa = RSA.Create(2048);
            db.IdentityProviderKeys.Add(new IdentityProviderKey
            {
                Id = id,
                Use = use,
                ProtectedKey = Convert.ToBase64String(_protector.Protect(rsa.ExportPkcs8PrivateKey())),
                CreatedAt = timeProvider.GetUtcNow(),
            });
            try
            {
                db.SaveChanges();
            }
            catch (DbUpdateException)
            {
                // Another replica created it first: use theirs.
            }

            db.ChangeTracker.Clear();
            stored = db.IdentityProviderKeys.AsNoTracking().Single(k => k.Id == id);
        }

        var key = RSA.Create();
        key.ImportPkcs8PrivateKey(_protector.Unprotect(Convert.FromBase64String(stored.ProtectedKey)), out _);
        return new RsaSecurityKey(key) { KeyId = id };
    }
}
