using System.Globalization;
using System.Text.Json.Nodes;
using McpSubAgent.Testing.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpSubAgent.Testing.Mcp;

/// <summary>
/// A real MCP server (Streamable HTTP, built with the C# SDK) on Kestrel at 127.0.0.1 with a random port.
/// Serves the built-in test tools (echo, add, slow, fail, crash, image, big, json) plus generated/extra/dynamic
/// tools, and records what clients asked for.
/// </summary>
public sealed class TestMcpServer : IAsyncDisposable
{
    private readonly TestMcpServerOptions _options;
    private readonly McpServerPrimitiveCollection<McpServerTool> _tools = [];
    private readonly Lock _gate = new();
    private readonly List<RecordedToolCall> _calls = [];
    private readonly List<(string ToolName, int Count, TaskCompletionSource Reached)> _callWaiters = [];
    private readonly List<string> _authorizationHeaders = [];
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private IHttpContextAccessor? _httpContextAccessor;
    private int _listToolsCount;
    private int _initializeCount;
    private int _discoverCount;
    private int _disposed;

    private TestMcpServer(TestMcpServerOptions options)
    {
        _options = options;
    }

    /// <summary>The MCP endpoint, e.g. "http://127.0.0.1:41234/mcp".</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>A snapshot of all tools/call requests received, in arrival order.</summary>
    public IReadOnlyList<RecordedToolCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Number of tools/list requests served.</summary>
    public int ListToolsCount => Volatile.Read(ref _listToolsCount);

    /// <summary>Number of initialize requests served (one per session in stateful mode).</summary>
    public int InitializeCount => Volatile.Read(ref _initializeCount);

    /// <summary>
    /// Number of server/discover requests served. SDK 2.3.1 clients probe with server/discover (protocol 2026-07-28)
    /// before falling back to initialize, so a stateless server may see discover and no initialize at all.
    /// </summary>
    public int DiscoverCount => Volatile.Read(ref _discoverCount);

    /// <summary>Authorization header values seen on POSTs to the MCP endpoint (including rejected ones).</summary>
    public IReadOnlyList<string> AuthorizationHeaders
    {
        get
        {
            lock (_gate)
            {
                return [.. _authorizationHeaders];
            }
        }
    }

    /// <summary>Names of the tools currently served, in the order they were added.</summary>
    public IReadOnlyList<string> ToolNames => [.. _tools.PrimitiveNames];

    public static async Task<TestMcpServer> StartAsync(TestMcpServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TestMcpServerOptions();
        if (!options.Path.StartsWith('/'))
        {
            throw new ArgumentException("Path must start with '/'.", nameof(options));
        }

        var server = new TestMcpServer(options);
        server.AddInitialTools();

        var builder = LoopbackWebApp.CreateBuilder(options.Port);
        builder.Services.AddHttpContextAccessor();
        builder.Services
            .AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = options.ServerName, Version = "1.0.0" };

                // Stateless mode builds fresh McpServerOptions for every request, so the collection must be a shared
                // instance: that is what makes runtime Add/Remove visible everywhere and lets stateful sessions
                // subscribe to its Changed event (the SDK then sends notifications/tools/list_changed).
                o.ToolCollection = server._tools;
            })
            .WithHttpTransport(t => t.Stateless = options.Stateless)
            .WithMessageFilters(filters => filters.AddIncomingFilter(next => async (context, ct) =>
            {
                server.Observe(context);
                await next(context, ct);
            }));

        var app = builder.Build();
        server._app = app;
        server._httpContextAccessor = app.Services.GetRequiredService<IHttpContextAccessor>();
        app.Use(server.GuardAsync);
        app.MapMcp(options.Path);

        try
        {
            var baseAddress = await LoopbackWebApp.StartAsync(app, cancellationToken);
            server.Endpoint = new Uri(baseAddress, options.Path.TrimStart('/'));
        }
        catch (Exception)
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Completes when <paramref name="count"/> tools/call requests for <paramref name="toolName"/> have arrived.</summary>
    public Task WaitForCallsAsync(string toolName, int count, CancellationToken cancellationToken)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_calls.Count(c => c.ToolName == toolName) >= count)
            {
                return Task.CompletedTask;
            }

            _callWaiters.Add((toolName, count, reached));
        }

        return reached.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    /// <summary>Number of recorded tools/call requests for <paramref name="toolName"/>.</summary>
    public int CallCount(string toolName)
    {
        lock (_gate)
        {
            return _calls.Count(c => c.ToolName == toolName);
        }
    }

    /// <summary>
    /// Adds a parameterless tool that returns "{name} ok". Stateful sessions get notifications/tools/list_changed;
    /// the SDK sends it in the background, so it may arrive after this task completes.
    /// </summary>
    public Task AddToolAsync(string name, string description, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_tools.TryAdd(TestTools.Constant(name, description, $"{name} ok")))
        {
            throw new InvalidOperationException($"A tool named '{name}' already exists.");
        }

        return Task.CompletedTask;
    }

    /// <summary>Removes any tool (built-in ones included); notifies stateful sessions like <see cref="AddToolAsync"/>.</summary>
    public Task RemoveToolAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_tools.TryGetPrimitive(name, out var tool) || !_tools.Remove(tool))
        {
            throw new InvalidOperationException($"No tool named '{name}'.");
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await LoopbackWebApp.StopAsync(_app);
        }

        _stopping.Dispose();
    }

    private void AddInitialTools()
    {
        foreach (var tool in TestTools.BuiltIn(_options.TimeProvider, _stopping.Token))
        {
            _tools.Add(tool);
        }

        if (_options.SideEffectTools)
        {
            foreach (var tool in TestTools.SideEffects(_options.TimeProvider, _stopping.Token))
            {
                _tools.Add(tool);
            }
        }

        for (var i = 0; i < _options.GeneratedToolCount; i++)
        {
            var name = "generated_tool_" + i.ToString("D3", CultureInfo.InvariantCulture);
            _tools.Add(TestTools.Constant(name, $"Generated test tool number {i}.", name));
        }

        foreach (var name in _options.ExtraToolNames)
        {
            _tools.Add(TestTools.Constant(name, "Extra test tool.", name));
        }
    }

    // Runs for every incoming JSON-RPC message the SDK accepted, on the ExecutionContext of the HTTP request
    // that carried it, so IHttpContextAccessor yields that request's headers.
    private void Observe(MessageContext context)
    {
        if (context.JsonRpcMessage is not JsonRpcRequest request)
        {
            return;
        }

        switch (request.Method)
        {
            case RequestMethods.Initialize:
                Interlocked.Increment(ref _initializeCount);
                break;
            case RequestMethods.ToolsList:
                Interlocked.Increment(ref _listToolsCount);
                break;
            case RequestMethods.ServerDiscover:
                Interlocked.Increment(ref _discoverCount);
                break;
            case RequestMethods.ToolsCall:
                var name = request.Params?["name"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";
                var arguments = request.Params?["arguments"]?.ToJsonString() ?? "{}";
                var authorization = _httpContextAccessor?.HttpContext?.Request.Headers.Authorization.ToString();
                var call = new RecordedToolCall(
                    name, arguments, string.IsNullOrEmpty(authorization) ? null : authorization, _options.TimeProvider.GetUtcNow());
                lock (_gate)
                {
                    _calls.Add(call);
                    foreach (var waiter in _callWaiters.Where(w => w.ToolName == name && _calls.Count(c => c.ToolName == name) >= w.Count).ToList())
                    {
                        _callWaiters.Remove(waiter);
                        waiter.Reached.TrySetResult();
                    }
                }

                break;
        }
    }

    private async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.StartsWithSegments(_options.Path, StringComparison.OrdinalIgnoreCase))
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            if (HttpMethods.IsPost(context.Request.Method) && authorization.Length > 0)
            {
                lock (_gate)
                {
                    _authorizationHeaders.Add(authorization);
                }
            }

            if (_options.RequiredBearerToken is { } token && !IsBearer(authorization, token))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return;
            }
        }

        await next(context);
    }

    private static bool IsBearer(string authorization, string token)
    {
        // The scheme is case-insensitive (RFC 9110), the token is not.
        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        return space > 0
            && authorization.AsSpan(0, space).Equals("Bearer", StringComparison.OrdinalIgnoreCase)
            && authorization.AsSpan(space + 1).Trim().SequenceEqual(token);
    }
}
