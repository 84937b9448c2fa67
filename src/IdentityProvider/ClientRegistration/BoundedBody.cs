using System.Buffers;

namespace McpSubAgent.IdentityProvider.ClientRegistration;

/// <summary>Reads a body whole, up to a size limit, without trusting <c>Content-Length</c>.</summary>
internal static class BoundedBody
{
    /// <summary>The bytes of <paramref name="stream"/>, or null as soon as it proves longer than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new ArrayBufferWriter<byte>(Math.Min(maxBytes + 1, 16 * 1024));
        while (true)
        {
            var read = await stream.ReadAsync(buffer.GetMemory(4096), cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return null;
            }
        }
    }
}
