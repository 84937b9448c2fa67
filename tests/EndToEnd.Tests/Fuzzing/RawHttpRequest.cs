using System.Text;

namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>
/// An HTTP/1.1 request written byte for byte, so that it can be wrong in ways HttpClient refuses to send: odd methods,
/// broken chunking, a body shorter than its Content-Length, bytes that are not UTF-8.
/// </summary>
internal sealed record RawHttpRequest(string Method, string Target)
{
    public List<(string Name, string Value)> Headers { get; init; } = [];

    public byte[] Body { get; init; } = [];

    /// <summary>Sent as is after the headers instead of <see cref="Body"/> with its Content-Length (e.g. hand-made chunks).</summary>
    public byte[]? RawBody { get; init; }

    /// <summary>Declares the whole body's length but sends only this many bytes, then closes the sending side.</summary>
    public int? TruncateAt { get; init; }

    public string Describe() =>
        $"{Method} {Target} [{string.Join("; ", Headers.Select(h => $"{h.Name}: {Clip(h.Value)}"))}] body {Body.Length} bytes: {Clip(Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 200))))}";

    public byte[] ToBytes()
    {
        var head = new StringBuilder();
        head.Append(Method).Append(' ').Append(Target).Append(" HTTP/1.1\r\n");
        foreach (var (name, value) in Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (RawBody is null)
        {
            head.Append("Content-Length: ").Append(Body.Length).Append("\r\n");
        }

        head.Append("Connection: close\r\n\r\n");
        var body = RawBody ?? Body.AsSpan(0, TruncateAt ?? Body.Length).ToArray();
        return [.. Encoding.Latin1.GetBytes(head.ToString()), .. body];
    }

    private static string Clip(string s) => s.Length > 80 ? s[..80] + "…" : s;
}
