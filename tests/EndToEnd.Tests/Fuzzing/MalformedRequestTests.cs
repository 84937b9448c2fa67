using System.Text;

namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>
/// The kinds of malformed request that answered 500 (issue 14): each now gets a 4xx in its endpoint's own error format.
/// </summary>
public sealed class MalformedRequestTests(FuzzingHarnessFixture fixture) : IClassFixture<FuzzingHarnessFixture>
{
    private const string Form = "application/x-www-form-urlencoded";
    private const string Json = "application/json";
    private const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}""";

    public static TheoryData<string> Cases => [.. Requests.Keys];

    private static Dictionary<string, Func<FuzzingHarness, RawHttpRequest>> Requests { get; } = new()
    {
        ["token: more than 1,024 form fields"] = h => h.Request("POST", "/connect/token", Form, Fields(1100)),
        ["token: a form key over 2,048 characters"] = h => h.Request("POST", "/connect/token", Form, Ascii(new string('k', 2100) + "=1&grant_type=client_credentials")),
        ["token: a form value over 4 MB"] = h => h.Request("POST", "/connect/token", Form, Ascii("grant_type=client_credentials&x=" + new string('v', (4 * 1024 * 1024) + 10))),
        ["token: %00 in the form"] = h => h.Request("POST", "/connect/token", Form, Ascii("grant_type=client_credentials%00&client_id=a%00b&scope=%00")),
        ["token: a truncated form"] = h => h.Request("POST", "/connect/token", Form, Ascii("grant_type=client_credentials&client_id=abcdefghijklmnopqrstuvwxyz")) with { TruncateAt = 12 },
        ["token: a form cut inside an escape"] = h => h.Request("POST", "/connect/token", Form, Ascii("grant_type=client_credentials&client_id=%E2%8")),
        ["authorize: more than 1,024 form fields"] = h => h.Request("POST", "/connect/authorize", Form, Fields(1100)),
        ["authorize: a form key over 2,048 characters"] = h => h.Request("POST", "/connect/authorize", Form, Ascii(new string('k', 2100) + "=1")),
        ["authorize: %00 in the form"] = h => h.Request("POST", "/connect/authorize", Form, Ascii("client_id=%00&response_type=code%00&redirect_uri=%00")),
        ["authorize: a truncated form"] = h => h.Request("POST", "/connect/authorize", Form, Ascii("client_id=abcdefghijklmnopqrstuvwxyz&response_type=code")) with { TruncateAt = 9 },
        ["v1: a lone surrogate"] = h => h.V1("POST", "/v1/chat/completions", Json, Ascii("""{"model":"fake-model","messages":[{"role":"user","content":"\udfff"}]}""")),
        ["v1: invalid UTF-8"] = h => h.V1("POST", "/v1/chat/completions", Json, [.. Ascii("""{"model":"fake-model","messages":[{"role":"user","content":" """), 0xff, 0xc3, 0x28, .. Ascii("\"}]}")]),
        ["v1: a duplicate key"] = h => h.V1("POST", "/v1/chat/completions", Json, Ascii("""{"model":"fake-model","model":"other","messages":[{"role":"user","content":"hi"}]}""")),
        ["mcp: initialize with capabilities false"] = h => h.Mcp("POST", Json, Ascii(Initialize.Replace("\"capabilities\":{}", "\"capabilities\":false", StringComparison.Ordinal))),
        ["mcp: Content-Type application/json;;;"] = h => h.Mcp("POST", "application/json;;;", Ascii(Initialize)),
        ["connections: a login id of whitespace"] = h => h.Request("GET", "/connections/login/%20%20", null, []),
        ["connections: a login id of U+2028"] = h => h.Request("GET", "/connections/login/%E2%80%A8", null, []),
        ["pages: a form key 'x[' on GET"] = h => h.Request("GET", "/account/login", Form, Ascii("x[=1")),
        ["chat api: PUT a conversation with a lone surrogate"] = h => h.ChatApi("PUT", $"/api/chat/conversations/{h.ConversationId}", Json, Ascii("""{"title":"\udfff"}""")),
        ["register: chunk size ffffffffffffffff"] = h => h.Request("POST", "/connect/register", Json, []) with
        {
            Headers = [.. h.Request("POST", "/connect/register", Json, []).Headers, ("Transfer-Encoding", "chunked")],
            RawBody = Ascii("ffffffffffffffff\r\n{\"redirect_uris\":[]}\r\n0\r\n\r\n"),
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Send_MalformedRequest_AnswersNo5xxAndErrorsInTheEndpointsFormat(string name)
    {
        var harness = await fixture.GetAsync();
        var request = Requests[name](harness);
        harness.Errors.Clear();

        var response = await harness.SendAsync(request);

        if (request.TruncateAt is not null && response.Status == 0)
        {
            // The body ended with the connection: Kestrel takes that for an abort, and there is no one left to answer.
            Assert.Empty(harness.Errors.Entries);
            await harness.AssertHealthyAsync();
            return;
        }

        // A page may ignore a body it does not read (a GET's); an API must refuse it.
        var format = ErrorFormats.For(request.Target);
        var lowest = format == ErrorFormat.Page ? 200 : 400;
        Assert.True(response.Status >= lowest && response.Status < 500, $"{name}: {response.Status} {response.Body} {string.Join("\n", harness.Errors.Entries)}");
        Assert.Empty(harness.Errors.Entries);
        Assert.Null(ErrorFormats.Mismatch(format, response));
        Assert.Null(ResponseLeaks.Find(response));
        await harness.AssertHealthyAsync();
    }

    private static byte[] Ascii(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Fields(int count) => Ascii(string.Join('&', Enumerable.Range(0, count).Select(i => $"f{i}=1")));
}
