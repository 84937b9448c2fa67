using McpSubAgent.Completions.Limits;

namespace McpSubAgent.Completions.Tests.Limits;

public sealed class BoundedBodyTests
{
    [Theory]
    [InlineData(0, 10, 0, false)]
    [InlineData(10, 10, 10, false)]
    [InlineData(11, 10, 10, true)]
    [InlineData(100_000, 50_000, 50_000, true)]
    [InlineData(3, 0, 0, true)]
    public async Task ReadPrefix_KeepsAtMostTheLimit_AndSaysWhetherTheBodyWentOn(int bodyLength, int maxBytes, int keptLength, bool cut)
    {
        var body = Enumerable.Range(0, bodyLength).Select(i => (byte)i).ToArray();

        var (bytes, wasCut) = await BoundedBody.ReadPrefixAsync(new TricklingStream(body), maxBytes, declaredLength: null, TestContext.Current.CancellationToken);

        Assert.Equal(body[..keptLength], bytes);
        Assert.Equal(cut, wasCut);
    }

    [Fact]
    public async Task ReadPrefix_StopsReadingOneByteBeyondTheLimit()
    {
        var stream = new TricklingStream(new byte[1_000_000]);

        var (bytes, cut) = await BoundedBody.ReadPrefixAsync(stream, 1_000, declaredLength: 1_000_000, TestContext.Current.CancellationToken);

        Assert.Equal(1_000, bytes.Length);
        Assert.True(cut);
        Assert.Equal(1_001, stream.Position);
    }

    [Fact]
    public async Task Read_RefusesABodyOverTheLimit_AndAcceptsOneAtIt()
    {
        var atLimit = await BoundedBody.ReadAsync(new TricklingStream(new byte[10]), 10, declaredLength: null, TestContext.Current.CancellationToken);
        var over = await BoundedBody.ReadAsync(new TricklingStream(new byte[11]), 10, declaredLength: null, TestContext.Current.CancellationToken);
        var declaredOver = await BoundedBody.ReadAsync(new TricklingStream([]), 10, declaredLength: 11, TestContext.Current.CancellationToken);

        Assert.Equal(10, atLimit!.Length);
        Assert.Null(over);
        Assert.Null(declaredOver);
    }

    /// <summary>A body that arrives in small pieces, as from a socket.</summary>
    private sealed class TricklingStream(byte[] body) : MemoryStream(body, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 777)], cancellationToken);
    }
}
