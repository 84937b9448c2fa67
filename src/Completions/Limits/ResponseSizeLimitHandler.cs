namespace McpSubAgent.Completions.Limits;

/// <summary>
/// Bounds what is read of each MCP response: a JSON body as a whole, a stream of server-sent events per event. A server
/// that floods (a 50 MB tool result, an endless event) costs at most the limit, not the machine's memory.
/// </summary>
internal sealed class ResponseSizeLimitHandler(HttpMessageHandler inner, long limit) : DelegatingHandler(inner)
{
    // Per async flow: the tool call that is being made, whose requests this handler sends.
    private readonly AsyncLocal<OversizedResponse?> _watch = new();

    /// <summary>Records the too-large responses of the requests sent from this async flow from now on.</summary>
    public OversizedResponse Watch() => _watch.Value = new OversizedResponse();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var watch = _watch.Value;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var original = response.Content;
        var perEvent = original.Headers.ContentType?.MediaType == "text/event-stream";
        var declared = original.Headers.ContentLength;
        if (!perEvent && declared > limit)
        {
            // Refused before a byte is read, with the size the server declared.
            response.Dispose();
            var refused = new ResponseTooLargeException(0, limit, declared);
            watch?.Record(refused);
            throw refused;
        }

        response.Content = new BoundedContent(original, limit, perEvent, watch);
        return response;
    }

    private sealed class BoundedContent : HttpContent
    {
        private readonly HttpContent _original;
        private readonly long _limit;
        private readonly bool _perEvent;
        private readonly OversizedResponse? _watch;

        public BoundedContent(HttpContent original, long limit, bool perEvent, OversizedResponse? watch)
        {
            _original = original;
            _limit = limit;
            _perEvent = perEvent;
            _watch = watch;
            foreach (var header in original.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new BoundedReadStream(await _original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _limit, _perEvent,
                _original.Headers.ContentLength, onTooLarge: _watch is null ? null : _watch.Record);

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
        {
            var source = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var disposeSource = source.ConfigureAwait(false);
            await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _original.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
