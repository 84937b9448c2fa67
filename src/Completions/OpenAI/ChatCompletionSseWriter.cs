using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Rendering;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.Completions.Usage;

namespace McpSubAgent.Completions.OpenAI;

/// <summary>
/// Writes a started run as OpenAI's server-sent event stream, ending with <c>data: [DONE]</c>. An upstream failure
/// after the stream began cannot change the status any more: it becomes an error line in the answer and a normal end.
/// </summary>
public static class ChatCompletionSseWriter
{
    /// <summary>The content type of the stream.</summary>
    public const string ContentType = "text/event-stream";

    /// <summary>Writes the whole run to <paramref name="destination"/>.</summary>
    public static Task WriteAsync(StartedRun run, ChatCompletionChunkWriter chunks, Stream destination, CancellationToken cancellationToken) =>
        SseFormatter.WriteAsync(ItemsAsync(run, chunks, cancellationToken), destination, cancellationToken);

    private static async IAsyncEnumerable<SseItem<string>> ItemsAsync(
        StartedRun run, ChatCompletionChunkWriter chunks, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var usageSoFar = TokenUsage.Zero;
        await using var events = run.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            CompletionEvent? current;
            string? failure = null;
            try
            {
                current = await events.MoveNextAsync() ? events.Current : null;
            }
            catch (UpstreamException ex)
            {
                current = null;
                failure = ex.Message;
            }

            if (failure is not null)
            {
                foreach (var chunk in chunks.ToChunks(new ContentDelta(MarkdownRenderer.Error(failure), FromModel: false))
                    .Concat(chunks.ToChunks(new CompletionFinished("stop", RunOutcome.Failed, usageSoFar, []))))
                {
                    yield return new SseItem<string>(chunk.ToJsonString(ReadableJson.Compact));
                }

                break;
            }

            if (current is null)
            {
                break;
            }

            if (current is RoundCompleted round)
            {
                usageSoFar += round.Usage;
            }

            foreach (var chunk in chunks.ToChunks(current))
            {
                yield return new SseItem<string>(chunk.ToJsonString(ReadableJson.Compact));
            }
        }

        yield return new SseItem<string>("[DONE]");
    }
}
