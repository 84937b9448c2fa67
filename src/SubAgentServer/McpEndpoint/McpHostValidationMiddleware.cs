using System.Net;
using McpSubAgent.IdentityProvider.Hosting;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.McpEndpoint;

/// <summary>
/// DNS-rebinding protection for <c>/mcp</c> (the MCP transport spec: servers must validate Origin): a page on
/// evil.example that resolves to this machine sends <c>Host: evil.example</c> and <c>Origin: http://evil.example</c>.
/// With <c>PublicBaseUrl</c> set, the Host and any Origin must name its host; without it, a server reached over
/// loopback accepts only loopback names. Other requests are answered 403 before anything else runs.
/// </summary>
internal sealed class McpHostValidationMiddleware(RequestDelegate next, IOptions<PublicOriginOptions> origin)
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]", "::1"];

    // The configured host, parsed once rather than on every request (options are read at start).
    private readonly string[]? _configuredHosts = Uri.TryCreate(origin.Value.PublicBaseUrl, UriKind.Absolute, out var publicBase) ? [publicBase.Host] : null;

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/mcp", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        var allowed = AllowedHosts(context);
        if (allowed is null)
        {
            return next(context);
        }

        var host = context.Request.Host.Host;
        var originHeader = context.Request.Headers.Origin.ToString();
        var originHost = Uri.TryCreate(originHeader, UriKind.Absolute, out var originUri) ? originUri.Host : null;
        if (allowed.Contains(host, StringComparer.OrdinalIgnoreCase)
            && (originHeader.Length == 0 || (originHost is not null && allowed.Contains(originHost, StringComparer.OrdinalIgnoreCase))))
        {
            return next(context);
        }

        return Results.Problem(
            title: "Host or Origin not allowed",
            detail: "This MCP endpoint answers only requests addressed to its own host (protection against DNS rebinding).",
            statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
    }

    private string[]? AllowedHosts(HttpContext context)
    {
        if (_configuredHosts is not null)
        {
            return _configuredHosts;
        }

        // Without a configured origin, only a loopback listener knows which names are its own.
        var local = context.Connection.LocalIpAddress;
        return local is not null && IPAddress.IsLoopback(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local) ? LoopbackNames : null;
    }
}
