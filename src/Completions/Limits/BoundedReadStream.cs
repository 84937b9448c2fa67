namespace McpSubAgent.Completions.Limits;

/// <summary>
/// Reads a response body up to a size: the whole body, or (for server-sent events) each event, counted from the blank
/// line that ends the one before. Past it the read throws <see cref="ResponseTooLargeException"/>, so nothing larger is
/// ever buffered. <paramref name="onProgress"/> runs whenever bytes arrive (an idle timer's reset); <paramref name="onTooLarge"/>
/// learns of the cut even when the reader swallows the exception.
/// </summary>
internal sealed class BoundedReadStream(
    Stream inner, long limit, bool perEvent, long? declaredLength, Action? onProgress = null, Action<ResponseTooLargeException>? onTooLarge = null) : Stream
{
    private long _count;
    private long _total;
    private bool _lastWasNewline;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _total; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Count(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int Count(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 0)
        {
            onProgress?.Invoke();
        }

        _total += bytes.Length;
        if (!perEvent)
        {
            _count += bytes.Length;
        }
        else
        {
            foreach (var b in bytes)
            {
                if (b == (byte)'\r')
                {
                    continue;
                }

                var newline = b == (byte)'\n';
                _count = newline && _lastWasNewline ? 0 : _count + 1;
                _lastWasNewline = newline;
            }
        }

        if (_count > limit)
        {
            var tooLarge = new ResponseTooLargeException(perEvent ? _count : _total, limit, declaredLength);
            onTooLarge?.Invoke(tooLarge);
            throw tooLarge;
        }

        return bytes.Length;
    }
}
