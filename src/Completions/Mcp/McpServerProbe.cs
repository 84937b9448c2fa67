using System.Globalization;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Requests;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// Looks at one MCP server for a host's pages (a server list, a connections page) the way a run would: with the
/// engine's guard against server-side request forgery, and, for <see cref="ProbeAsync"/>, its credential port and
/// connection pool. Registered by <c>AddMcpCompletions</c>.
/// </summary>
public sealed class McpServerProbe
{
    private readonly McpToolResolver _resolver;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;

    internal McpServerProbe(McpToolResolver resolver, IHttpClientFactory httpClientFactory, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        _resolver = resolver;
        _httpClientFactory = httpClientFactory;
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// What a run of <paramref name="userKey"/> would find at <paramref name="serverUrl"/>: the URL is checked, the
    /// credential port asked (it may answer with a login link), and the pooled session reused or opened.
    /// </summary>
    /// <param name="serverUrl">The MCP server URL.</param>
    /// <param name="userKey">Whose credentials and pooled sessions to use.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>The server's tools, the login needed, or the problem.</returns>
    /// <exception cref="InvalidRequestException">The URL is not an http(s) URL, or the SSRF guard refuses it.</exception>
    public async Task<McpServerStatus> ProbeAsync(Uri serverUrl, string userKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverUrl);
        var request = new CompletionRunRequest
        {
            Messages = [],
            McpServers = [McpServerSpec.Create(serverUrl.OriginalString, "server_url")],
        };
        var resolved = await _resolver.ResolveAsync(request, userKey, null, cancellationToken).ConfigureAwait(false);
        return new McpServerStatus(
            [.. resolved.Tools.Select(t => t.Tool)],
            resolved.LoginLinks is [var login, ..] ? login : null,
            resolved.Problems is [var problem, ..] ? problem.Message : null);
    }

    /// <summary>
    /// Lists the tools of <paramref name="serverUrl"/> over a new session that sends <paramref name="authorization"/>
    /// (not pooled, not through the credential port), dialling only public addresses unless
    /// <see cref="CompletionsOptions.AllowPrivateNetworkServers"/> is on.
    /// </summary>
    /// <param name="serverUrl">The MCP server URL.</param>
    /// <param name="authorization">The <c>Authorization</c> header value to send, if any.</param>
    /// <param name="timeout">How long connecting and listing may take together.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The server's tools.</returns>
    /// <exception cref="McpServerUnavailableException">The server could not be reached, refused, or did not answer in time.</exception>
    public async Task<IReadOnlyList<Tool>> ListToolsAsync(Uri serverUrl, string? authorization, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverUrl);
        using var deadline = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var headers = new Dictionary<string, string>();
        if (authorization is not null)
        {
            headers["Authorization"] = authorization;
        }

        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = serverUrl,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = headers,
                ConnectionTimeout = timeout,
            },
            _httpClientFactory.CreateClient(McpConnectionPool.HttpClientName),
            _loggerFactory,
            ownsHttpClient: true);
        try
        {
            var client = await McpClient.CreateAsync(transport, loggerFactory: _loggerFactory, cancellationToken: linked.Token).ConfigureAwait(false);
            await using (client.ConfigureAwait(false))
            {
                var tools = await client.ListToolsAsync(cancellationToken: linked.Token).ConfigureAwait(false);
                return [.. tools.Select(t => t.ProtocolTool)];
            }
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new McpServerUnavailableException(
                string.Create(CultureInfo.InvariantCulture, $"the server did not answer within {timeout.TotalSeconds:0.#} s"), ex);
        }
        catch (Exception ex) when (McpErrors.IsExpected(ex))
        {
            throw new McpServerUnavailableException(McpErrors.Describe(ex, includeDetails: false), ex);
        }
    }
}
