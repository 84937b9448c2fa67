using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpSubAgent.Testing.Mcp;

/// <summary>The tools a <see cref="TestMcpServer"/> serves.</summary>
internal static class TestTools
{
    public const string JsonText = """{"ok":true,"items":[1,2,3]}""";

    // A valid 1x1 transparent PNG.
    private static readonly byte[] TinyPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=");

    /// <param name="timeProvider">Clock for the <c>slow</c> tool.</param>
    /// <param name="stopping">Cancelled when the server is disposed, so slow calls do not hold up shutdown.</param>
    public static IEnumerable<McpServerTool> BuiltIn(TimeProvider timeProvider, CancellationToken stopping)
    {
        yield return McpServerTool.Create(
            ([Description("The text to echo back.")] string text) => $"echo: {text}",
            Options("echo", "Echoes the given text back, prefixed with 'echo: '."));

        yield return McpServerTool.Create(
            ([Description("First addend.")] int a, [Description("Second addend.")] int b) =>
                (a + b).ToString(CultureInfo.InvariantCulture),
            Options("add", "Adds two integers and returns the sum as text."));

        yield return McpServerTool.Create(
            async ([Description("How long to sleep, in milliseconds.")] int milliseconds, CancellationToken cancellationToken) =>
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
                await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), timeProvider, linked.Token);
                return $"slept {milliseconds} ms";
            },
            Options("slow", "Sleeps for the given time (honouring cancellation), then reports it."));

        yield return McpServerTool.Create(
            ([Description("The error message to return.")] string message) =>
                new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = message }] },
            Options("fail", "Returns a tool result with isError=true and the given message."));

        yield return McpServerTool.Create(
            string ([Description("The message of the JSON-RPC error.")] string message) =>
                // McpProtocolException is the one exception type the SDK turns into a JSON-RPC error response;
                // anything else (McpException included) becomes a CallToolResult with isError=true.
                throw new McpProtocolException(message, McpErrorCode.InternalError),
            Options("crash", "Fails the request with a JSON-RPC error carrying the given message."));

        yield return McpServerTool.Create(
            () => new CallToolResult
            {
                Content = [ImageContentBlock.FromBytes(TinyPng, "image/png"), new TextContentBlock { Text = "a tiny image" }],
            },
            Options("image", "Returns a 1x1 PNG image block and a text block."));

        yield return McpServerTool.Create(
            ([Description("Number of characters to return.")] int length) =>
            {
                if (length < 0)
                {
                    throw new McpException("length must not be negative");
                }

                // A repeating digit pattern makes truncation easy to spot.
                return string.Create(length, 0, static (span, _) =>
                {
                    for (var i = 0; i < span.Length; i++)
                    {
                        span[i] = (char)('0' + (i % 10));
                    }
                });
            },
            Options("big", "Returns text of exactly the given length."));

        yield return McpServerTool.Create(
            () => JsonText,
            Options("json", "Returns a JSON object as text."));
    }

    /// <summary>Slow tools that write: one that must not run twice, one that may (see <see cref="TestMcpServerOptions.SideEffectTools"/>).</summary>
    public static IEnumerable<McpServerTool> SideEffects(TimeProvider timeProvider, CancellationToken stopping)
    {
        yield return McpServerTool.Create(
            async ([Description("How long sending takes, in milliseconds.")] int milliseconds, CancellationToken cancellationToken) =>
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
                await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), timeProvider, linked.Token);
                return "sent";
            },
            new McpServerToolCreateOptions
            {
                Name = "send_slowly", Description = "Sends a message (slowly); sending twice sends two messages.",
                ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = true,
            });

        yield return McpServerTool.Create(
            async ([Description("How long storing takes, in milliseconds.")] int milliseconds, CancellationToken cancellationToken) =>
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
                await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), timeProvider, linked.Token);
                return "stored";
            },
            new McpServerToolCreateOptions
            {
                Name = "put_slowly", Description = "Stores a value (slowly); storing it again changes nothing.",
                ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false,
            });
    }

    /// <summary>A parameterless tool that returns <paramref name="result"/>.</summary>
    public static McpServerTool Constant(string name, string description, string result) =>
        McpServerTool.Create(() => result, Options(name, description));

    private static McpServerToolCreateOptions Options(string name, string description) => new()
    {
        Name = name,
        Description = description,
        ReadOnly = true,
        Destructive = false,
        OpenWorld = false,
    };
}
