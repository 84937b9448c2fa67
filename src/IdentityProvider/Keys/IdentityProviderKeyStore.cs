using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace McpSubAgent.IdentityProvider.Keys;

/// <summary>
/// Loads the authorization server's RSA signing and encryption keys from the database, creating them on first start.
/// The ids are fixed, so two replicas starting together cannot create two sets: the loser of the insert reloads.
/// Registered as a singleton by <see cref="IdentityProviderServiceCollectionExtensions.AddMcpIdentityProvider{TContext}"/>; a host that validates the server's access tokens
/// itself (in process, without fetching the JWKS) takes <see cref="SigningKey"/> from it.
/// </summary>
/// <typeparam name="TContext">The host's database context that stores the keys.</typeparam>
public sealed class IdentityProviderKeyStore<TContext>(
    IServiceScopeFactory scopeFactory,
    IDataProtectionProvider dataProtection,
    TimeProvider timeProvider)
    where TContext : DbContext, IIdentityProviderKeyContext
{
    /// <summary>The key id (<c>kid</c>) of the signing key.</summary>
    public const string SigningKeyId = "mcpsubagent-signing-1";
    /// <summary>The key id (<c>kid</c>) of the encryption key.</summary>
    public const string EncryptionKeyId = "mcpsubagent-encryption-1";

    private readonly IDataProtector _protector = dataProtection.CreateProtector("McpSubAgent.IdentityProvider.Keys");
    private (RsaSecurityKey Signing, RsaSecurityKey Encryption)? _loaded;
    private readonly Lock _lock = new();

    /// <summary>The RSA key that signs access and identity tokens; loaded (or created) on first use.</summary>
    public RsaSecurityKey SigningKey => Keys().Signing;

    /// <summary>The RSA key that encrypts the server's own tokens (authorization codes, refresh tokens).</summary>
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
