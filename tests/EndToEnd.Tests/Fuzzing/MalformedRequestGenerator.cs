using System.Text;

namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>
/// Malformed variations of an endpoint's request, from a seeded <see cref="Random"/>: truncated, deeply nested, huge,
/// wrong types, bad UTF-8, lone surrogates, odd content types, oversized forms, odd methods, odd path segments.
/// </summary>
internal sealed class MalformedRequestGenerator(FuzzingHarness harness, FuzzTarget target, int seed)
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "FOO", "get"];

    private static readonly string[] ContentTypes =
    [
        "application/json;;;", "application/json; charset=utf-16", "text/plain", "multipart/form-data", "multipart/form-data; boundary=",
        "application/x-www-form-urlencoded; charset=bogus", "application/x-www-form-urlencoded", "application/json", "*/*", "", ";", "application/",
        "application/json; charset=\"", "application/jsonx", "text/event-stream",
    ];

    private static readonly string[] Values = ["false", "true", "0", "-1", "1e309", "[]", "{}", "null", "\"\"", "\"x\"", "[{}]", "{\"a\":[]}", "\"\\u0000\""];

    private static readonly string[] PathSegments =
    [
        "%20", "%E2%80%A8", "%00", "..", "%2F", "%2e%2e", "x%", "%ZZ", "%C3%28", "%ED%A0%80", "%FF", "a b", "{}", "\u00e9", "~", "-", "x.json", "%0d%0aX:1",
    ];

    private readonly Random _random = new(seed);

    public RawHttpRequest Next(int index)
    {
        var body = Encoding.UTF8.GetBytes(target.Body);
        var contentType = target.ContentType;
        var method = target.Method;
        var path = target.Path;

        // A few huge bodies; the rest stay small so that a thousand requests take seconds.
        var kind = index % 250 == 249 ? 99 : _random.Next(11);
        switch (kind)
        {
            case 0: // truncated
                body = body[..(body.Length == 0 ? 0 : _random.Next(body.Length))];
                break;
            case 1: // deeply nested
                var depth = _random.Next(65, 3000);
                body = Encoding.ASCII.GetBytes(_random.Next(2) == 0
                    ? new string('[', depth) + new string(']', depth)
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth));
                break;
            case 2: // wrong types: a value replaced by one of another type
                body = Encoding.UTF8.GetBytes(ReplaceAValue(target.Body));
                break;
            case 3: // bad UTF-8
                body = Insert(body, new byte[] { 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xc0, 0xaf }[_random.Next(4)..]);
                break;
            case 4: // lone surrogates, escaped or percent-encoded
                body = Insert(body, Encoding.ASCII.GetBytes(_random.Next(2) == 0 ? "\\udfff" : "%ED%B0%80"));
                break;
            case 5: // odd content type
                contentType = ContentTypes[_random.Next(ContentTypes.Length)];
                break;
            case 6: // oversized form
                body = Encoding.ASCII.GetBytes(_random.Next(3) switch
                {
                    0 => string.Join('&', Enumerable.Range(0, 1025 + _random.Next(100)).Select(i => $"f{i}=1")),
                    1 => new string('k', 2049 + _random.Next(100)) + "=1",
                    _ => target.Body + "&x[=1&%00=%00&a[b]]=1",
                });
                contentType = "application/x-www-form-urlencoded";
                break;
            case 7: // odd method
                method = Methods[_random.Next(Methods.Length)];
                break;
            case 8: // odd path segment or query
                path = target.WithOddSegment(PathSegments[_random.Next(PathSegments.Length)], _random);
                break;
            case 9: // random bytes
                body = new byte[_random.Next(1, 2048)];
                _random.NextBytes(body);
                break;
            case 10: // several at once
                body = Insert(Encoding.UTF8.GetBytes(ReplaceAValue(target.Body)), Encoding.ASCII.GetBytes("\\ud800"));
                contentType = ContentTypes[_random.Next(ContentTypes.Length)];
                break;
            default: // huge
                body = Encoding.ASCII.GetBytes("{\"x\":\"" + new string('a', (1 + _random.Next(8)) * 1024 * 1024) + "\"}");
                break;
        }

        var request = target.Auth switch
        {
            FuzzAuth.Bearer => harness.Request(method, path, contentType, body, bearer: harness.AppToken),
            FuzzAuth.Cookie => harness.ChatApi(method, path, contentType, body),
            _ => harness.Request(method, path, contentType, body),
        };
        return target.Path == "/mcp" ? request with { Headers = [.. request.Headers, ("Accept", "application/json, text/event-stream")] } : request;
    }

    private string ReplaceAValue(string body)
    {
        var separators = new[] { ':', '=' };
        var at = body.IndexOfAny(separators, _random.Next(Math.Max(1, body.Length)));
        if (at < 0)
        {
            at = body.IndexOfAny(separators);
        }

        if (at < 0)
        {
            return Values[_random.Next(Values.Length)];
        }

        var end = body.IndexOfAny([',', '}', '&', ']'], at + 1);
        end = end < 0 ? body.Length : end;
        var value = Values[_random.Next(Values.Length)];
        return body[..(at + 1)] + (body[at] == '=' ? Uri.EscapeDataString(value) : value) + body[end..];
    }

    private byte[] Insert(byte[] body, byte[] bytes)
    {
        var at = body.Length == 0 ? 0 : _random.Next(body.Length);
        return [.. body[..at], .. bytes, .. body[at..]];
    }
}
