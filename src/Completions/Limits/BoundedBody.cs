using System.Buffers;

namespace McpSubAgent.Completions.Limits;

/// <summary>
/// Reads a request or response body whole, up to a size limit, without trusting its declared length: the one reader
/// of the engine and its hosts for bodies that someone else controls.
/// </summary>
public static class BoundedBody
{
    /// <summary>
    /// The bytes of <paramref name="stream"/>, or null when <paramref name="declaredLength"/> or the bytes read so far
    /// prove it longer than <paramref name="maxBytes"/> (reading stops there).
    /// </summary>
    /// <param name="stream">The body.</param>
    /// <param name="maxBytes">The largest body accepted.</param>
    /// <param name="declaredLength">The body's <c>Content-Length</c>, if any: a larger one is refused before reading, a smaller one only sizes the buffer.</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    /// <returns>The body, or null when it is too large.</returns>
    public static async Task<byte[]?> ReadAsync(Stream stream, int maxBytes, long? declaredLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        if (declaredLength > maxBytes)
        {
            return null;
        }

        var (buffer, longer) = await ReadUpToAsync(stream, maxBytes, declaredLength, cancellationToken).ConfigureAwait(false);
        return longer ? null : buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// At most <paramref name="maxBytes"/> bytes from the start of <paramref name="stream"/>, and whether the body went
    /// on beyond them (reading stops there): for bodies of which a prefix is still of use, such as a page's text.
    /// </summary>
    /// <param name="stream">The body.</param>
    /// <param name="maxBytes">The most bytes kept.</param>
    /// <param name="declaredLength">The body's <c>Content-Length</c>, if any: it only sizes the buffer.</param>
    /// <param name="cancellationToken">Cancels the reading.</param>
    /// <returns>The bytes kept, and true when the body was longer.</returns>
    public static async Task<(byte[] Bytes, bool Cut)> ReadPrefixAsync(Stream stream, int maxBytes, long? declaredLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var (buffer, longer) = await ReadUpToAsync(stream, maxBytes, declaredLength, cancellationToken).ConfigureAwait(false);
        return (buffer.WrittenSpan[..Math.Min(buffer.WrittenCount, maxBytes)].ToArray(), longer);
    }

    /// <summary>Reads until the end of the body or one byte beyond <paramref name="maxBytes"/>, whichever comes first.</summary>
    private static async Task<(ArrayBufferWriter<byte> Buffer, bool Longer)> ReadUpToAsync(Stream stream, int maxBytes, long? declaredLength, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(maxBytes, Array.MaxLength);
        var capacity = declaredLength is > 0 and var length ? (int)Math.Min(length, maxBytes + 1L) : 16 * 1024;
        var buffer = new ArrayBufferWriter<byte>(Math.Max(1, Math.Min(capacity, maxBytes + 1)));
        while (buffer.WrittenCount <= maxBytes)
        {
            // One byte beyond the limit is read to know whether the body goes on.
            var room = buffer.GetMemory(8 * 1024);
            var read = await stream.ReadAsync(room[..Math.Min(room.Length, maxBytes + 1 - buffer.WrittenCount)], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return (buffer, false);
            }

            buffer.Advance(read);
        }

        return (buffer, true);
    }
}
