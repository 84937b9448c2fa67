using System.Net;
using System.Net.Sockets;
using System.Text;

namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>A response read off the socket until the server closed it.</summary>
internal sealed record RawHttpResponse(int Status, string Head, string Body)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public string? ContentType => Head.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
        .Select(p => p[1].Trim()).FirstOrDefault();

    public static async Task<RawHttpResponse> SendAsync(Uri server, RawHttpRequest request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, server.Port, timeout.Token);
        try
        {
            await socket.SendAsync(request.ToBytes(), timeout.Token);
            if (request.TruncateAt is not null)
            {
                // The end of the body before its Content-Length; otherwise Kestrel takes a half-close for an abort.
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException)
        {
            // The server may answer and close before taking the whole body (e.g. 413); its answer is still to be read.
        }

        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            // A reset after the response (the server dropped the unread rest of the body) loses nothing we need; a
            // reset before any response reads as status 0.
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? "" : text[(split + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        var statusLine = head.Split("\r\n")[0].Split(' ');
        var status = statusLine.Length > 1 && int.TryParse(statusLine[1], out var s) ? s : 0;
        return new RawHttpResponse(status, head, body);
    }

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        var at = 0;
        while (at < chunked.Length)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (lineEnd < 0 || !int.TryParse(chunked.AsSpan(at, lineEnd - at).ToString().Split(';')[0], System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0)
            {
                break;
            }

            // Sizes count bytes, not characters; the bodies looked at here are ASCII or close enough to it.
            var start = lineEnd + 2;
            var length = Math.Min(size, chunked.Length - start);
            body.Append(chunked, start, length);
            at = start + length + 2;
        }

        return body.ToString();
    }
}
