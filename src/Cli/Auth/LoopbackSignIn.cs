using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace McpSubAgent.Cli.Auth;

/// <summary>
/// Signs in the way native apps do (RFC 8252): the authorization-code flow with PKCE S256, the code coming back to a
/// one-shot listener on 127.0.0.1 at a port the OS picks, as the client <see cref="ClientRegistrar"/> registers.
/// </summary>
internal sealed class LoopbackSignIn(HttpClient http, CliEnvironment environment)
{
    private const int MaxStrayRequests = 20;

    public async Task<ServerCredentials> SignInAsync(Uri server, ServerCredentials? previous, bool openBrowser, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var metadata = await AuthServerMetadata.DiscoverAsync(http, server, cancellationToken).ConfigureAwait(false);
        var client = await new ClientRegistrar(http).ClientAsync(metadata, previous, "authorization_code", cancellationToken).ConfigureAwait(false);

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
            await environment.TryOpenBrowserAsync(authorize, cancellationToken).ConfigureAwait(false);
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
