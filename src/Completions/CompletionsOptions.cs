using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.Completions;

/// <summary>
/// Settings of the completions engine, bound from the <c>Completions</c> configuration section.
/// </summary>
public sealed class CompletionsOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Completions";

    /// <summary>The model used when a request names none.</summary>
    [Required]
    public string DefaultModel { get; set; } = "gpt-5";

    /// <summary>The most tool rounds one run may take; a request's <c>max_rounds</c> may lower or raise it up to 100.</summary>
    [Range(1, 100)]
    public int MaxRounds { get; set; } = 10;

    /// <summary>
    /// Allows MCP server URLs that resolve to loopback, private or link-local addresses. Off by default: it is
    /// the guard against server-side request forgery through user-given URLs. Turn on for tests and local setups.
    /// </summary>
    public bool AllowPrivateNetworkServers { get; set; }

    /// <summary>
    /// The MCP registry that the opt-in <c>mcp_search</c> tool searches, by the official MCP Registry API
    /// (<c>GET {url}/v0.1/servers?search=…&amp;limit=…</c>).
    /// </summary>
    [Required]
    public Uri McpRegistryUrl { get; set; } = new("https://registry.modelcontextprotocol.io");

    /// <summary>
    /// How long a tool call held for approval (<c>require_approval</c>) may be decided and answered; after that its
    /// approval id is refused and the call is not made.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan ApprovalLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Whether the model and the answer are told the exception message of a failed MCP call (a transport error, an
    /// unreadable reply) besides what happened. Off by default: those messages name internal addresses and response
    /// bodies; the server's own JSON-RPC error messages and tool results are always passed on. Turn on to debug.
    /// </summary>
    public bool IncludeDetailedErrors { get; set; }

    /// <summary>How long one MCP tool call may take before it fails with a timeout the model sees.</summary>
    public TimeSpan ToolCallTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long connecting to an MCP server (including its initialize handshake) may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a server's tool list is reused before it is listed again (a <c>tools/list_changed</c> notification refreshes it sooner).</summary>
    public TimeSpan ToolListCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an unused pooled MCP connection stays open.</summary>
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many characters of one tool result block are shown in the markdown answer before it is truncated with a note.</summary>
    [Range(100, 10_000_000)]
    public int MaxResultCharactersShown { get; set; } = 4_000;

    /// <summary>How many characters of one tool result the model receives before it is truncated with a note.</summary>
    [Range(1_000, 10_000_000)]
    public int MaxResultCharactersForModel { get; set; } = 100_000;

    /// <summary>Images up to this many bytes are embedded in the markdown answer as data URIs; larger ones are named only.</summary>
    [Range(0, 10_000_000)]
    public int MaxInlineImageBytes { get; set; } = 256 * 1024;

    /// <summary>How often a failed upstream request (429, 5xx, network error) is retried before any byte reached the caller.</summary>
    [Range(0, 10)]
    public int UpstreamMaxRetries { get; set; } = 3;

    /// <summary>The first retry delay of the upstream, doubled on each further retry; a <c>Retry-After</c> header takes precedence.</summary>
    public TimeSpan UpstreamRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one upstream call may wait for the response headers (per attempt; a timeout is not retried).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan UpstreamHeadersTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a streaming upstream may go without sending anything before the call fails.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan UpstreamIdleTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>How long one upstream call may take in all, retries and the whole streamed answer included.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan UpstreamCallTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many bytes one upstream answer may have; a larger one fails the call instead of filling memory.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxUpstreamResponseBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How many bytes the conversation sent upstream in one call may have; a run that outgrows it ends with an error.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxUpstreamRequestBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// How many bytes of one MCP response (a tool result) are read. A larger result is not read further: the model
    /// and the person get a note saying how much was left out instead.
    /// </summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxToolResultBytes { get; set; } = 1024 * 1024;

    /// <summary>How long one whole run may take (every round, tool call and login wait); it then fails with a timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxRunDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How many interactive runs (<c>/v1</c>, <c>run_agent</c>, the chat page, the transport handler) one user key may
    /// have at once in this process; one more is refused with a retry hint. Agent tasks are bounded by the task queue instead.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentRunsPerUser { get; set; } = 8;

    /// <summary>How often a streamed answer sends a keep-alive (an SSE comment, or an MCP progress notification) while nothing else happens.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The user key of the transport handler's requests that carry no OpenAI <c>user</c> field.</summary>
    [Required]
    public string DefaultUserKey { get; set; } = "local";

    /// <summary>
    /// Fixed credentials for MCP servers, used by the static credential provider: each entry names a server URL and
    /// the <c>Authorization</c> value to send to it.
    /// </summary>
    public IList<StaticServerCredential> ServerCredentials { get; } = [];
}

/// <summary>A fixed <c>Authorization</c> value for one MCP server URL.</summary>
public sealed class StaticServerCredential
{
    /// <summary>The MCP server URL, compared exactly (after normalisation) with the URL a request names.</summary>
    public string ServerUrl { get; set; } = "";

    /// <summary>The <c>Authorization</c> header value, for example <c>Bearer abc</c>.</summary>
    public string Authorization { get; set; } = "";
}
