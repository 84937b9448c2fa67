using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Diagnostics;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Limits;
using McpSubAgent.Completions.Mcp;
using McpSubAgent.Completions.Rendering;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace McpSubAgent.Completions.Loop;

/// <summary>
/// Runs one MCP tool call with its timeout. Every expected failure (an <c>isError</c> result, a JSON-RPC error, a
/// timeout, a server that is gone, arguments that are not JSON) becomes a result the model reads and an error line the
/// person sees; a session the server no longer knows is replaced and the call made again once. The caller's own
/// cancellation and anything unexpected (a bug) escape.
/// </summary>
internal sealed partial class McpToolExecutor(
    McpConnectionPool pool,
    McpToolResolver resolver,
    IOptions<CompletionsOptions> options,
    TimeProvider timeProvider,
    ILogger<McpToolExecutor> logger,
    CompletionsMetrics metrics)
{
    public async Task<ToolExecution> ExecuteAsync(ResolvedMcpTool tool, ToolCallInfo call, ActivityContext parent, CancellationToken cancellationToken)
    {
        using var activity = CompletionsTelemetry.Source.StartActivity($"execute_tool {call.ToolName}", ActivityKind.Client, parent);
        activity?.SetTag("gen_ai.operation.name", "execute_tool");
        activity?.SetTag("gen_ai.tool.name", call.ToolName);
        activity?.SetTag("gen_ai.tool.call.id", call.Id);
        activity?.SetTag("server.address", call.ServerUrl.Host);
        var execution = await RunAsync(tool, call, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("mcpsubagent.tool_call.status", execution.Status.ToString());
        if (execution.Status != ToolCallStatus.Succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, execution.ResultForModel);
        }

        metrics.ToolCallEnded(call.ToolName, execution.Status, execution.Duration);
        return execution;
    }

    private async Task<ToolExecution> RunAsync(ResolvedMcpTool tool, ToolCallInfo call, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var started = timeProvider.GetTimestamp();

        // The call's own block was shown when it started; this is what follows it.
        ToolExecution Failed(ToolCallStatus status, string message) => new(call, status, $"Error: {message}",
            MarkdownRenderer.Error($"{call.ToolName} ({call.ServerUrl.Authority}): {message}"), timeProvider.GetElapsedTime(started));

        if (!TryParseArguments(call.Arguments, out var arguments, out var argumentError))
        {
            return Failed(ToolCallStatus.Failed, argumentError);
        }

        using var deadline = new CancellationTokenSource(settings.ToolCallTimeout, timeProvider);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var oversize = tool.Connection.WatchResponseSize();
        try
        {
            CallToolResult result;
            var connection = tool.Connection;
            try
            {
                result = await connection.CallToolAsync(tool.Tool.Name, arguments, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when ((IsRefusal(ex, connection) || McpErrors.IsSessionGone(ex)) && !cancellationToken.IsCancellationRequested)
            {
                // The token expired or was revoked, or the server wants a wider scope: renew it once and call again.
                // Or the server restarted or expired the session and so never ran the call: a new session, once.
                var refused = IsRefusal(ex, connection);
                connection.MarkBroken();
                pool.Evict(connection);
                var outcome = refused
                    ? await resolver.ReauthorizeAsync(tool.Server, connection, timeout.Token).ConfigureAwait(false)
                    : await resolver.ReconnectAsync(tool.Server, connection, timeout.Token).ConfigureAwait(false);
                switch (outcome)
                {
                    case McpToolResolver.ServerOutcome.Connected renewed:
                        tool.Session.Replace(renewed.Connection);
                        oversize = renewed.Connection.WatchResponseSize();
                        result = await renewed.Connection.CallToolAsync(tool.Tool.Name, arguments, timeout.Token).ConfigureAwait(false);
                        break;
                    case McpToolResolver.ServerOutcome.NeedsLogin login:
                        return Failed(ToolCallStatus.Failed,
                            $"{tool.Server.ServerUrl.Authority} needs the user to log in again before this tool can run: {login.Link.Url.AbsoluteUri}");
                    case McpToolResolver.ServerOutcome.Failed failed when !refused:
                        return Failed(ToolCallStatus.Failed, failed.Message);
                    default:
                        return Failed(ToolCallStatus.Failed,
                            $"{tool.Server.ServerUrl.Authority} refused the call: {McpErrors.Describe(ex, settings.IncludeDetailedErrors)}");
                }
            }

            var duration = timeProvider.GetElapsedTime(started);
            var text = TextForModel(result, settings.MaxResultCharactersForModel);
            if (result.IsError == true)
            {
                var message = string.IsNullOrWhiteSpace(text) ? "the tool reported an error" : text;
                return new ToolExecution(call, ToolCallStatus.Failed, $"Error: {message}",
                    MarkdownRenderer.Error($"{call.ToolName} ({call.ServerUrl.Authority}): {message}"), duration);
            }

            return new ToolExecution(call, ToolCallStatus.Succeeded, text,
                MarkdownRenderer.ToolResult(result, settings.MaxResultCharactersShown, settings.MaxInlineImageBytes), duration);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Failed(ToolCallStatus.TimedOut,
                $"the tool did not answer within {settings.ToolCallTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
        }
        catch (Exception ex) when ((oversize.Exception ?? FindTooLarge(ex)) is { } tooLarge)
        {
            // The session is fine: only this response was cut off, and its connection closed.
            var note = MarkdownRenderer.ResultTooLarge(tooLarge.BytesRead, tooLarge.DeclaredLength, tooLarge.Limit);
            return new ToolExecution(call, ToolCallStatus.Failed, $"Error: {note}",
                MarkdownRenderer.Error($"{call.ToolName} ({call.ServerUrl.Authority}): {note}"), timeProvider.GetElapsedTime(started));
        }
        catch (Exception ex) when (McpErrors.IsExpected(ex))
        {
            // A failure of the server or its transport is a result the model can work with, never a broken answer.
            if (McpErrors.IsTransportFailure(ex) || McpErrors.IsUnauthorized(ex))
            {
                tool.Connection.MarkBroken();
                pool.Evict(tool.Connection);
            }

            LogToolCallFailed(logger, call.ToolName, call.ServerUrl, ex);
            return Failed(ToolCallStatus.Failed, McpErrors.Describe(ex, settings.IncludeDetailedErrors));
        }
    }

    private static ResponseTooLargeException? FindTooLarge(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is ResponseTooLargeException tooLarge)
            {
                return tooLarge;
            }
        }

        return null;
    }

    private static bool IsRefusal(Exception exception, McpConnection connection) =>
        McpErrors.IsUnauthorized(exception) || (McpErrors.IsForbidden(exception) && connection.Challenges.InsufficientScope);

    private static bool TryParseArguments(string json, out JsonObject arguments, out string error)
    {
        arguments = [];
        error = "";
        if (string.IsNullOrWhiteSpace(json))
        {
            return true;
        }

        try
        {
            if (JsonNode.Parse(json) is JsonObject parsed)
            {
                arguments = parsed;
                return true;
            }

            error = "the arguments must be a JSON object";
        }
        catch (JsonException ex)
        {
            error = $"the arguments are not valid JSON ({ex.Message})";
        }

        return false;
    }

    /// <summary>Tool messages carry text only: images and binary resources are named, not sent.</summary>
    private static string TextForModel(CallToolResult result, int maxCharacters)
    {
        var text = new StringBuilder();
        foreach (var block in result.Content)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(block switch
            {
                TextContentBlock t => t.Text,
                ImageContentBlock i => $"[image: {i.MimeType}, shown to the user]",
                AudioContentBlock a => $"[audio: {a.MimeType}]",
                EmbeddedResourceBlock { Resource: TextResourceContents r } => r.Text,
                EmbeddedResourceBlock e => $"[resource: {e.Resource.Uri}]",
                ResourceLinkBlock l => $"[resource link: {l.Name} {l.Uri}]",
                _ => JsonSerializer.Serialize(block, McpJsonUtilities.DefaultOptions),
            });
        }

        if (text.Length == 0 && result.StructuredContent is { } structured)
        {
            text.Append(structured.GetRawText());
        }

        if (text.Length > maxCharacters)
        {
            var total = text.Length;
            text.Length = maxCharacters;
            text.Append(CultureInfo.InvariantCulture, $"\n[truncated: {maxCharacters} of {total} characters]");
        }

        return text.ToString();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP tool call {ToolName} on {ServerUrl} failed")]
    private static partial void LogToolCallFailed(ILogger logger, string toolName, Uri serverUrl, Exception exception);
}
