using System.Diagnostics;
using System.Net;
using System.Text;
using McpSubAgent.EndToEnd.Tests.Conformance;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.Broker;

/// <summary>
/// The official TypeScript MCP SDK's example server <c>simpleStreamableHttp.js --oauth</c> (SDK 1.32.2, installed by
/// <c>npm ci</c> in tests/EndToEnd.Tests/TypeScriptClient/node), as an OAuth-protected downstream MCP server: an MCP
/// resource server on one loopback port and its demo authorization server on another.
/// </summary>
/// <remarks>
/// <para>What it serves (see RESEARCH-broker.md):</para>
/// <list type="bullet">
/// <item>MCP at <see cref="McpUrl"/> (<c>http://localhost:{port}/mcp</c>): POST/GET/DELETE need a Bearer token, else 401 with
/// <c>WWW-Authenticate: Bearer error="invalid_token", error_description="Missing Authorization header", resource_metadata="…"</c>.</item>
/// <item>PRM at <see cref="ResourceMetadataUrl"/>: resource = <see cref="McpUrl"/>, authorization_servers = [<see cref="AuthorizationServerUrl"/>],
/// scopes_supported = ["mcp:tools"].</item>
/// <item>AS metadata at <c>{AuthorizationServerUrl}.well-known/oauth-authorization-server</c> (no openid-configuration): S256 only,
/// token_endpoint_auth_methods_supported = client_secret_post, none; dynamic registration at /register; no CIMD; no client_secret_basic.</item>
/// <item>/authorize has no login page and no consent: it answers 302 to the redirect_uri with code and state at once
/// (<see cref="CompleteAuthorizationAsync"/>). The redirect_uri must be one of the registered ones, exactly.</item>
/// <item>Access tokens are opaque, last an hour, and come without refresh token (a refresh_token grant answers 500).</item>
/// <item>Rate limits per client IP: 20 registrations an hour, 50 token requests and 100 authorization requests per 15 minutes.</item>
/// </list>
/// <para>The server names itself <c>localhost</c> in all its URLs (resource, issuer, endpoints), so a client that checks that the PRM's
/// resource matches the URL it connected to must use <see cref="McpUrl"/> as given, not 127.0.0.1. Both interfaces answer: node listens on
/// all addresses, and the MCP app accepts the Host names localhost, 127.0.0.1 and [::1] only.</para>
/// </remarks>
public sealed class TypeScriptOAuthMcpServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output;

    private TypeScriptOAuthMcpServer(Process process, StringBuilder output, int mcpPort, int authPort, bool strictResource)
    {
        _process = process;
        _output = output;
        McpUrl = new Uri($"http://localhost:{mcpPort}/mcp");
        ResourceMetadataUrl = new Uri($"http://localhost:{mcpPort}/.well-known/oauth-protected-resource/mcp");
        AuthorizationServerUrl = new Uri($"http://localhost:{authPort}/");
        StrictResource = strictResource;
    }

    /// <summary>The MCP endpoint, exactly as the server publishes it as its resource identifier.</summary>
    public Uri McpUrl { get; }

    /// <summary>The protected resource metadata (RFC 9728) the 401 points at.</summary>
    public Uri ResourceMetadataUrl { get; }

    /// <summary>The authorization server's issuer, with its trailing slash as it publishes it.</summary>
    public Uri AuthorizationServerUrl { get; }

    /// <summary>The authorization server metadata (RFC 8414).</summary>
    public Uri AuthorizationServerMetadataUrl => new(AuthorizationServerUrl, ".well-known/oauth-authorization-server");

    /// <summary>
    /// Started with <c>--oauth-strict</c>: the token endpoint refuses a code whose authorization request had no <c>resource</c>
    /// or another one than <see cref="McpUrl"/>, and the MCP endpoint refuses tokens issued for another resource.
    /// </summary>
    public bool StrictResource { get; }

    /// <summary>What the node process printed so far (stdout and stderr), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the server on two free loopback ports and returns once both its apps answer.</summary>
    public static Task<TypeScriptOAuthMcpServer> StartAsync(CancellationToken cancellationToken) => StartAsync(strictResource: false, cancellationToken);

    /// <inheritdoc cref="StartAsync(CancellationToken)"/>
    /// <param name="strictResource">Adds <c>--oauth-strict</c> (RFC 8707 resource checks), see <see cref="StrictResource"/>.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<TypeScriptOAuthMcpServer> StartAsync(bool strictResource, CancellationToken cancellationToken)
    {
        var script = ScriptPath();

        // Ports were free a moment ago; another process may take one before node binds it, so try again a few times.
        for (var attempt = 1; ; attempt++)
        {
            var server = Launch(script, ConformanceSuite.FreePort(), ConformanceSuite.FreePort(), strictResource);
            try
            {
                await server.WaitUntilReadyAsync(cancellationToken);
                return server;
            }
            catch (Exception e) when (attempt < 3 && e is not OperationCanceledException && server._process.HasExited)
            {
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// Plays the user's browser at the authorization endpoint: GETs <paramref name="authorizationUrl"/> with a cookie jar, follows
    /// redirects that stay on the authorization server, and returns the URL it was finally sent to (the client's redirect_uri with
    /// <c>code</c> and <c>state</c>, or with <c>error</c>). This server has no login or consent page: its first answer is that redirect.
    /// </summary>
    public async Task<Uri> CompleteAuthorizationAsync(Uri authorizationUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorizationUrl);
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer(), UseCookies = true };
        using var http = new HttpClient(handler);
        var url = authorizationUrl;
        for (var hop = 0; hop < 10; hop++)
        {
            using var response = await http.GetAsync(url, cancellationToken);
            if ((int)response.StatusCode is < 300 or >= 400 || response.Headers.Location is null)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new InvalidOperationException(
                    $"The authorization endpoint answered {(int)response.StatusCode} instead of a redirect to the client: {body}\nServer output:\n{Output}");
            }

            var next = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(url, response.Headers.Location);
            if (next.Authority != AuthorizationServerUrl.Authority)
            {
                return next;
            }

            url = next;
        }

        throw new InvalidOperationException($"Too many redirects from {authorizationUrl}.");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // The process never started, or did not go within the time: nothing more to do.
        }

        _process.Dispose();
    }

    private static string ScriptPath()
    {
        var nodeFolder = SourceTree.Path("tests", "EndToEnd.Tests", "TypeScriptClient", "node");
        var script = Path.Combine(nodeFolder, "node_modules", "@modelcontextprotocol", "sdk", "dist", "esm", "examples", "server", "simpleStreamableHttp.js");
        Assert.True(File.Exists(script), $"The TypeScript SDK is not installed: run `npm ci --prefix {nodeFolder}` (building this test project does). Missing: {script}");
        return script;
    }

    private static TypeScriptOAuthMcpServer Launch(string script, int mcpPort, int authPort, bool strictResource)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.GetDirectoryName(script)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            Environment =
            {
                ["MCP_PORT"] = mcpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["MCP_AUTH_PORT"] = authPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["NO_COLOR"] = "1",
            },
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--oauth");
        if (strictResource)
        {
            // The example reads both flags separately: --oauth-strict alone would leave OAuth off.
            start.ArgumentList.Add("--oauth-strict");
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var server = new TypeScriptOAuthMcpServer(process, output, mcpPort, authPort, strictResource);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            Assert.Fail($"Could not start node (is it on PATH?): {e.Message}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    /// <summary>Polls the PRM (MCP app) and the AS metadata (auth app) until both answer 200.</summary>
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        Uri[] probes = [ResourceMetadataUrl, AuthorizationServerMetadataUrl];
        var ready = 0;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The TypeScript example server exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(probes[ready], timeout.Token);
                if (response.IsSuccessStatusCode && ++ready == probes.Length)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The TypeScript example server did not answer within {StartTimeout.TotalSeconds} s:\n{Output}");
            }

            try
            {
                await Task.Delay(100, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The TypeScript example server did not answer within {StartTimeout.TotalSeconds} s:\n{Output}");
            }
        }
    }
}
