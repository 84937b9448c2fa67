using McpSubAgent.IdentityProvider.ClientRegistration;

namespace McpSubAgent.IdentityProvider.Tests.Registration;

public sealed class RedirectUriPolicyTests
{
    private static readonly RedirectUriPolicy Policy = new(new ClientRegistrationOptions().AllowedCustomSchemes);

    [Theory]
    [InlineData("https://claude.ai/api/mcp/auth_callback")] // Claude
    [InlineData("https://claude.com/api/mcp/auth_callback")] // Claude (claude.com)
    [InlineData("http://localhost:54123/callback")] // Claude Code (DCR)
    [InlineData("http://localhost/callback")] // Claude Code (CIMD, port-less)
    [InlineData("http://127.0.0.1/callback")] // Claude Code (CIMD, port-less)
    [InlineData("cursor://anysphere.cursor-mcp/oauth/callback")] // Cursor
    [InlineData("https://www.cursor.com/agents/mcp/oauth/callback")] // Cursor
    [InlineData("http://localhost:8787/callback")] // Cursor
    [InlineData("http://127.0.0.1/")] // VS Code
    [InlineData("http://127.0.0.1:33418/")] // VS Code
    [InlineData("http://127.0.0.1")] // VS Code
    [InlineData("http://localhost:33418")] // VS Code
    [InlineData("https://vscode.dev/redirect")] // VS Code
    [InlineData("https://insiders.vscode.dev/redirect")] // VS Code
    [InlineData("vscode://vscode.github-authentication/did-authenticate")] // VS Code's own scheme
    [InlineData("vscode-insiders://ms-vscode.mcp/callback")]
    [InlineData("windsurf://codeium.windsurf/oauth/callback")]
    [InlineData("http://localhost:6274/oauth/callback")] // MCP Inspector
    [InlineData("http://localhost:6274/oauth/callback/debug")] // MCP Inspector
    [InlineData("http://localhost:3334/oauth/callback")] // mcp-remote
    [InlineData("http://[::1]:49152/callback")]
    [InlineData("http://127.10.20.30:8080/cb")]
    [InlineData("https://app.example:8443/oauth/callback?tenant=a")]
    [InlineData("HTTPS://APP.EXAMPLE/CB")]
    public void IsAllowed_RealClientRedirectUri_Accepted(string uri)
    {
        Assert.True(Policy.IsAllowed(uri, out var reason), reason);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("javascript:alert(1)", "javascript")]
    [InlineData("JavaScript://%0aalert(1)", "javascript")]
    [InlineData("data:text/html,<script>alert(1)</script>", "data")]
    [InlineData("file:///etc/passwd", "file")]
    [InlineData("vbscript:msgbox(1)", "vbscript")]
    [InlineData("https://app.example/cb#token", "fragment")]
    [InlineData("https://app.example/cb#", "fragment")]
    [InlineData("https://user:pass@app.example/cb", "user information")]
    [InlineData("https://attacker@app.example/cb", "user information")]
    [InlineData("/callback", "absolute")]
    [InlineData("callback", "absolute")]
    [InlineData("//evil.example/cb", "absolute")]
    [InlineData("\\\\evil.example\\share", "absolute")]
    [InlineData("http://evil.example/callback", "http")]
    [InlineData("http://localhost.evil.example/callback", "http")]
    [InlineData("http://127.0.0.1.nip.io/callback", "http")]
    [InlineData("http://10.0.0.5/callback", "http")]
    [InlineData("http://192.168.1.10:8080/callback", "http")]
    [InlineData("myapp://callback", "private-use")]
    [InlineData("ftp://files.example/cb", "ftp")]
    [InlineData(" https://app.example/cb", "white space")]
    [InlineData("https://app.example/c b", "white space")]
    [InlineData("https://app.example/cb\n", "white space")]
    [InlineData("https://app.example/cb?iss=https://evil.example", "iss")]
    [InlineData("cursor:", "nothing after")]
    public void IsAllowed_AttackOrMalformedUri_RefusedWithReason(string? uri, string reasonPart)
    {
        Assert.False(Policy.IsAllowed(uri, out var reason));
        Assert.Contains(reasonPart, reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void IsAllowed_OverlongUri_Refused()
    {
        Assert.False(Policy.IsAllowed("https://app.example/" + new string('a', RedirectUriPolicy.MaxLength), out var reason));
        Assert.Contains("longer", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void IsAllowed_ForbiddenSchemeListedAsCustom_StillRefused()
    {
        var policy = new RedirectUriPolicy(["javascript", "data", "myapp"]);

        Assert.False(policy.IsAllowed("javascript:alert(1)", out _));
        Assert.False(policy.IsAllowed("data:text/html,x", out _));
        Assert.True(policy.IsAllowed("myapp://callback", out var reason), reason);
    }

    [Theory]
    [InlineData("http://127.0.0.1/", true)]
    [InlineData("http://localhost:3334/oauth/callback", true)]
    [InlineData("cursor://anysphere.cursor-mcp/oauth/callback", true)]
    [InlineData("https://claude.ai/api/mcp/auth_callback", false)]
    [InlineData("https://localhost/callback", false)]
    public void IsNative_RedirectUri_LoopbackHttpAndCustomSchemesAreNative(string uri, bool expected)
    {
        Assert.Equal(expected, RedirectUriPolicy.IsNative(new Uri(uri)));
    }
}
