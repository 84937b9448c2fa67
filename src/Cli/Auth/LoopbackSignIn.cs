using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace McpSubAgent.Cli.Auth;

/// <summary>
/// Signs in the way native apps do (RFC 8252): the authorization-code flow with PKCE S256, the code coming back to a
/// one-shot listener on 127.0.0.1 at a port the OS picks. The client registers itself (RFC 7591) with the port-less
/// loopback redirect, which our identity provider matches on any port.
/// </summary>
internal sealed class LoopbackSignIn(HttpClient http, CliEnvironment environment)
{
    /// <summary>The redirect registered; the port is added per sign-in.</summary>
    public const string RegisteredRedirectUri = "http://127.0.0.1/callback";

    private const int MaxStrayRequests = 20;

    public async Task<ServerCredentials> SignInAsync(Uri server, ServerCredentials? previous, bool openBrowser, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var metadata = await AuthServerMetadata.DiscoverAsync(http, server, cancellationToken).ConfigureAwait(false);
        var client = previous is not null && previous.TokenEndpoint == metadata.TokenEndpoint
            ? previous with { RevocationEndpoint = metadata.RevocationEndpoint }
            : new ServerCredentials
            {
                ClientId = await RegisterAsync(metadata, cancellationToken).ConfigureAwait(false),
                TokenEndpoint = metadata.TokenEndpoint,
                RevocationEndpoint = metadata.RevocationEndpoint,
            };

        var port = FreeLoopbackPort();
        var redirectUri = new Uri($"http://127.0.0.1:{port}/callback");
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(16));
        var authorize = new UriBuilder(metadata.AuthorizationEndpoint)
        {
            Query = string.Join('&', new Dictionary<string, string>
            {
                ["response_type"] = "code",
                ["client_id"] = client.ClientId,
                ["redirect_uri"] = redirectUri.AbsoluteUri,
                ["scope"] = "mcp offline_access",
                ["resource"] = new Uri(server, "mcp").AbsoluteUri,
                ["state"] = state,
                ["code_challenge"] = challenge,
                ["code_challenge_method"] = "S256",
            }.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")),
        }.Uri;

        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        using var timer = new CancellationTokenSource(timeout, environment.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        await using var stop = linked.Token.Register(listener.Stop).ConfigureAwait(false);

        // Listening before the browser opens: the redirect can come back before the opener returns.
        var receive = ReceiveCodeAsync(listener, state);
        await environment.Error.WriteLineAsync($"Sign in at: {authorize.AbsoluteUri}").ConfigureAwait(false);
        if (openBrowser)
        {
            await OpenAsync(authorize, cancellationToken).ConfigureAwait(false);
        }

        string code;
        try
        {
            code = await receive.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException && linked.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new CliException(ExitCodes.AuthError, $"No sign-in arrived within {timeout.TotalSeconds:0} s.", ex);
        }

        return await new TokenClient(http, environment.TimeProvider).RedeemCodeAsync(client, code, verifier, redirectUri, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> RegisterAsync(AuthServerMetadata metadata, CancellationToken cancellationToken)
    {
        if (metadata.RegistrationEndpoint is null)
        {
            throw new CliException(ExitCodes.AuthError, "The server's identity provider offers no client registration.");
        }

        using var response = await http.PostAsJsonAsync(metadata.RegistrationEndpoint, new JsonObject
        {
            ["client_name"] = "mcpsubagent CLI",
            ["redirect_uris"] = new JsonArray(RegisteredRedirectUri),
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = "none",
        }, cancellationToken).ConfigureAwait(false);
        var body = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false) : null;
        return (string?)body?["client_id"]
            ?? throw new CliException(ExitCodes.AuthError, $"Registering the CLI at {metadata.RegistrationEndpoint} failed with HTTP {(int)response.StatusCode}.");
    }

    private async Task OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            await environment.OpenBrowser(url, cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            await environment.Error.WriteLineAsync("No browser could be opened: open the link above yourself.").ConfigureAwait(false);
        }
    }

    /// <summary>Answers requests until the redirect with our state arrives; others (a favicon, a stale tab) get a 404.</summary>
    private static async Task<string> ReceiveCodeAsync(HttpListener listener, string state)
    {
        for (var i = 0; i < MaxStrayRequests; i++)
        {
            var context = await listener.GetContextAsync().ConfigureAwait(false);
            var query = context.Request.QueryString;
            if (context.Request.Url?.AbsolutePath != "/callback" || query["state"] != state)
            {
                await RespondAsync(context, HttpStatusCode.NotFound, "Not the sign-in this window waits for.").ConfigureAwait(false);
                continue;
            }

            if (query["code"] is { Length: > 0 } code)
            {
                await RespondAsync(context, HttpStatusCode.OK, "Signed in to McpSubAgent. You can close this tab.").ConfigureAwait(false);
                return code;
            }

            var error = query["error_description"] ?? query["error"] ?? "no code";
            await RespondAsync(context, HttpStatusCode.BadRequest, "Sign-in failed: " + error).ConfigureAwait(false);
            throw new CliException(ExitCodes.AuthError, $"Sign-in failed: {error}.");
        }

        throw new CliException(ExitCodes.AuthError, "Too many unrelated requests reached the sign-in listener.");
    }

    private static async Task RespondAsync(HttpListenerContext context, HttpStatusCode status, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        context.Response.Close();
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
