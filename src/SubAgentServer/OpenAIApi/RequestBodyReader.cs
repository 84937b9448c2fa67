using System.Buffers;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>Reads a request body up to a limit, so an oversized one gets 413 without being buffered whole.</summary>
internal static class RequestBodyReader
{
    /// <summary>The body, or null when it is larger than <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > limit)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and var length ? (int)length : 16 * 1024);
        while (true)
        {
            var read = await request.Body.ReadAsync(buffer.GetMemory(8 * 1024), cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                return null;
            }
        }
    }
}
