using McpSubAgent.Completions.Credentials;
using McpSubAgent.IdentityProvider.Broker.Storage;

namespace McpSubAgent.IdentityProvider.Tests.Broker;

/// <summary>
/// How the broker reads a downstream token endpoint's answer (RFC 6749 §5), seen through its credential port: a stored
/// login whose access token has expired is refreshed against a real loopback token endpoint that answers as scripted.
/// </summary>
public sealed class DownstreamTokenResponseTests : IAsyncLifetime
{
    private const string User = "user-1";
    private TokenEndpointHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await TokenEndpointHost.StartAsync(Cancel);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Refresh_RotatedRefreshTokenAndExpiry_StoresBothAndSendsTheNewToken()
    {
        await _host.StoreExpiredConnectionAsync(User, "old-refresh", Cancel);
        _host.TokenResponse = Json(200, """{"access_token":"new-access","token_type":"Bearer","expires_in":3600,"refresh_token":"new-refresh","scope":"files:read files:write"}""");

        var credential = await _host.GetCredentialAsync(User, Cancel);

        Assert.Equal(new McpCredential.Ready("Bearer new-access"), credential);
        var form = Assert.Single(_host.TokenRequests);
        Assert.Equal("refresh_token", form["grant_type"]);
        Assert.Equal("old-refresh", form["refresh_token"]);
        Assert.Equal(_host.ServerUrl.AbsoluteUri, form["resource"]);
        Assert.Equal("broker-client", form["client_id"]);
        var (connection, tokens) = await _host.StoredAsync(User, Cancel);
        Assert.Equal(("new-access", "new-refresh"), (tokens!.AccessToken, tokens.RefreshToken));
        Assert.Equal(_host.Time.GetUtcNow().AddSeconds(3600), connection.AccessTokenExpiresAt);
        Assert.Equal("files:read files:write", connection.Scope);
    }

    [Fact]
    public async Task Refresh_NoRefreshTokenNorExpiry_KeepsTheOldRefreshTokenAndNoExpiry()
    {
        await _host.StoreExpiredConnectionAsync(User, "old-refresh", Cancel);
        _host.TokenResponse = Json(200, """{"access_token":"new-access","token_type":"Bearer"}""");

        var credential = await _host.GetCredentialAsync(User, Cancel);

        Assert.Equal(new McpCredential.Ready("Bearer new-access"), credential);
        var (connection, tokens) = await _host.StoredAsync(User, Cancel);
        Assert.Equal(("new-access", "old-refresh"), (tokens!.AccessToken, tokens.RefreshToken));
        Assert.Null(connection.AccessTokenExpiresAt);
        Assert.Equal("files:read", connection.Scope);
    }

    [Fact]
    public async Task Refresh_TokenTypeInOtherCase_IsABearerToken()
    {
        await _host.StoreExpiredConnectionAsync(User, "old-refresh", Cancel);
        _host.TokenResponse = Json(200, """{"access_token":"new-access","token_type":"bearer","expires_in":60}""");

        var credential = await _host.GetCredentialAsync(User, Cancel);

        Assert.Equal(new McpCredential.Ready("Bearer new-access"), credential);
        Assert.Equal("Bearer", (await _host.StoredAsync(User, Cancel)).Tokens!.TokenType);
    }

    [Theory]
    [InlineData("DPoP")]
    [InlineData("mac")]
    public async Task Refresh_TokenTypeOtherThanBearer_IsNotSentAsBearer(string tokenType)
    {
        // RFC 6749 §7.1: a client must not use an access token whose type it does not understand.
        await _host.StoreExpiredConnectionAsync(User, "old-refresh", Cancel);
        _host.TokenResponse = Json(200, $$"""{"access_token":"new-access","token_type":"{{tokenType}}","expires_in":3600}""");

        var credential = await _host.GetCredentialAsync(User, Cancel);

        var unavailable = Assert.IsType<McpCredential.Unavailable>(credential);
        Assert.Contains("invalid_response", unavailable.Reason, StringComparison.Ordinal);
        Assert.Equal("old-access", (await _host.StoredAsync(User, Cancel)).Tokens!.AccessToken);
    }

    [Fact]
    public async Task Refresh_InvalidGrant_TreatsTheLoginAsRevokedAndAsksForANewOne()
    {
        await _host.StoreExpiredConnectionAsync(User, "old-refresh", Cancel);
        _host.TokenResponse = Json(400, """{"error":"invalid_grant","error_description":"The refresh token was revoked."}""");

        var credential = await _host.GetCredentialAsync(User, Cancel);

        var login = Assert.IsType<McpCredential.LoginRequired>(credential);
        Assert.StartsWith(new Uri(_host.BaseAddress, "connections/login/").AbsoluteUri, login.LoginUrl.AbsoluteUri, StringComparison.Ordinal);
        var (connection, tokens) = await _host.StoredAsync(User, Cancel);
        Assert.Equal(DownstreamConnectionStatus.NeedsLogin, connection.Status);
        Assert.Null(tokens);
    }

    [Theory]
    [InlineData(400, "invalid_request")]
    [InlineData(503, "temporarily_unavailable")]
    public async Task Refresh_OtherOAuthError_KeepsTheLoginAndSaysWhy(int status, string error)
    {
        await _host.StoreExpiredConnectionAsync(User, "old-refresh", Cancel);
        _host.TokenResponse = Json(status, $$"""{"error":"{{error}}"}""");

        var credential = await _host.GetCredentialAsync(User, Cancel);

        var unavailable = Assert.IsType<McpCredential.Unavailable>(credential);
        Assert.Contains(error, unavailable.Reason, StringComparison.Ordinal);
        var (connection, tokens) = await _host.StoredAsync(User, Cancel);
        Assert.Equal(DownstreamConnectionStatus.Connected, connection.Status);
        Assert.Equal("old-refresh", tokens!.RefreshToken);
    }

    public static TheoryData<int, string, string> UnreadableBodies => new()
    {
        { 502, "text/html", "<html><body>Bad gateway</body></html>" },
        { 200, "application/json", """{"access_token":"new-access","token_type":"Bearer","expires_in":""" },
        { 200, "application/json", """["access_token","new-access"]""" },
        { 200, "application/json", """{"token_type":"Bearer","expires_in":3600}""" },
        { 200, "application/json", """{"access_token":"","token_type":"Bearer"}""" },
        // A token response that is a valid one, but larger than the broker reads (256 KiB): refused, not read whole.
        { 200, "application/json", $$"""{"access_token":"new-access","token_type":"Bearer","padding":"{{new string('x', 300 * 1024)}}"}""" },
    };

    [Theory]
    [MemberData(nameof(UnreadableBodies))]
    public async Task Refresh_NoUsableTokenResponse_KeepsTheLoginAndSaysInvalidResponse(int status, string contentType, string body)
    {
        await _host.StoreExpiredConnectionAsync(User, "old-refresh", Cancel);
        _host.TokenResponse = (status, contentType, body);

        var credential = await _host.GetCredentialAsync(User, Cancel);

        var unavailable = Assert.IsType<McpCredential.Unavailable>(credential);
        Assert.Contains("invalid_response", unavailable.Reason, StringComparison.Ordinal);
        var (connection, tokens) = await _host.StoredAsync(User, Cancel);
        Assert.Equal(DownstreamConnectionStatus.Connected, connection.Status);
        Assert.Equal(("old-access", "old-refresh"), (tokens!.AccessToken, tokens.RefreshToken));
    }

    [Fact]
    public async Task Refresh_ExpiresInAsString_IsRead()
    {
        // Some authorization servers (Azure AD v1, older Salesforce) send expires_in as a JSON string.
        await _host.StoreExpiredConnectionAsync(User, "old-refresh", Cancel);
        _host.TokenResponse = Json(200, """{"access_token":"new-access","token_type":"Bearer","expires_in":"3600"}""");

        var credential = await _host.GetCredentialAsync(User, Cancel);

        Assert.Equal(new McpCredential.Ready("Bearer new-access"), credential);
        Assert.Equal(_host.Time.GetUtcNow().AddSeconds(3600), (await _host.StoredAsync(User, Cancel)).Connection.AccessTokenExpiresAt);
    }

    [Fact]
    public async Task Refresh_HugeExpiresIn_IsCappedInsteadOfFailing()
    {
        await _host.StoreExpiredConnectionAsync(User, "old-refresh", Cancel);
        _host.TokenResponse = Json(200, """{"access_token":"new-access","token_type":"Bearer","expires_in":9223372036854775807}""");

        var credential = await _host.GetCredentialAsync(User, Cancel);

        Assert.Equal(new McpCredential.Ready("Bearer new-access"), credential);
        var expiresAt = (await _host.StoredAsync(User, Cancel)).Connection.AccessTokenExpiresAt;
        Assert.NotNull(expiresAt);
        Assert.True(expiresAt > _host.Time.GetUtcNow().AddDays(300), $"{expiresAt}");
    }

    private static (int, string, string) Json(int status, string body) => (status, "application/json", body);
}
