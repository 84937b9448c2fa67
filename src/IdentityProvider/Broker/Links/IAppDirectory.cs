namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>
/// The apps whose end users (<c>{client_id}:{user}</c>) get login links: their verification URLs and their client
/// credentials. The identity provider supplies it; a broker without one knows no app.
/// </summary>
internal interface IAppDirectory
{
    /// <summary>The app's verification URL, or null when it has none (its links are then completed without a check).</summary>
    Task<Uri?> VerificationUrlAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>Whether the client id and secret are an app's credentials.</summary>
    Task<bool> AuthenticateAsync(string clientId, string secret, CancellationToken cancellationToken);
}
