using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using McpSubAgent.Cli;
using McpSubAgent.EndToEnd.Tests.Cli;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Web;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace McpSubAgent.EndToEnd.Tests.UrlContext;

/// <summary>
/// URL context on <c>/v1/chat/completions</c> and <c>/v1/responses</c>: the URLs of the last user message are fetched
/// from a real site on loopback and their text reaches the scripted model; what was read is shown in the answer.
/// </summary>
public sealed class UrlContextTests
{
    /// <summary>Loopback is allowed for the test site; every other private range stays refused.</summary>
    private static readonly Dictionary<string, string?> LoopbackAllowed = new()
    {
        ["Completions:UrlContext:AllowedPrivateNetworks:0"] = "127.0.0.0/8",
    };

    [Fact]
    public async Task ChatCompletion_UrlContextTool_MarkdownPage_ModelGetsItsTextAndTheAnswerShowsTheUrl()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("reader@example.com");
        var page = site.Add("/docs/guide.md", "text/markdown; charset=utf-8", "# Guide\n\nThe answer is 42.");
        h.Llm.Enqueue(LlmReply.Text("It says 42."));

        using var response = await h.PostAsync(token, Body($"What does {page} say?", UrlTool()));
        var completion = await OpenAIApiHarness.JsonAsync(response);

        Assert.True(response.IsSuccessStatusCode, completion.ToJsonString());
        var sent = LastUserText(h.Llm.Requests[0]);
        Assert.StartsWith($"What does {page} say?\n\n<url_context>", sent, StringComparison.Ordinal);
        Assert.Contains($"<page url=\"{page}\" content_type=\"text/markdown\">\n# Guide\n\nThe answer is 42.\n</page>", sent, StringComparison.Ordinal);
        Assert.StartsWith("text/markdown", Assert.Single(site.Requests).Accept, StringComparison.Ordinal);
        var text = (string)completion["choices"]![0]!["message"]!["content"]!;
        Assert.Contains("<details><summary>🔧 url_context (1 of 1 URL read)</summary>", text, StringComparison.Ordinal);
        Assert.Contains($"- ✅ {page} (text/markdown, 26 characters)", text, StringComparison.Ordinal);
        Assert.EndsWith("It says 42.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletionStream_HtmlPage_IsConvertedToMarkdownWithoutScripts()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("html@example.com");
        var page = site.Add("/news/today.html", "text/html; charset=utf-8", """
            <!doctype html><html><head><title>Today &amp; tomorrow</title><script>var secret = "do not read";</script></head>
            <body><nav><a href="/">Home</a></nav>
            <main><h1>Release notes</h1><p>Version <strong>2.0</strong> is out. See <a href="/changes">the changes</a>.</p>
            <ul><li>Faster</li><li>Smaller</li></ul>
            <pre><code>dotnet tool update -g mcpsubagent</code></pre>
            <table><tr><th>Name</th><th>Size</th></tr><tr><td>core</td><td>1 MB</td></tr></table>
            <script>alert("hi")</script></main></body></html>
            """);
        h.Llm.Enqueue(LlmReply.Text("Version 2.0."));

        var body = Body($"Summarize {page}.", UrlTool());
        body["stream"] = true;
        using var response = await h.PostAsync(token, body);
        var streamed = await StreamedContentAsync(response);

        var sent = LastUserText(h.Llm.Requests[0]);
        Assert.Contains($"<page url=\"{page}\" title=\"Today &amp; tomorrow\" content_type=\"text/html\">", sent, StringComparison.Ordinal);
        Assert.Contains("# Release notes\n\nVersion **2.0** is out. See [the changes](" + new Uri(site.BaseUrl, "/changes") + ").", sent, StringComparison.Ordinal);
        Assert.Contains("- Faster\n- Smaller", sent, StringComparison.Ordinal);
        Assert.Contains("```\ndotnet tool update -g mcpsubagent\n```", sent, StringComparison.Ordinal);
        Assert.Contains("| Name | Size |\n| --- | --- |\n| core | 1 MB |", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("alert", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("do not read", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("Home", sent, StringComparison.Ordinal);

        // The streamed answer shows the read URL as a collapsible block before the model's text.
        Assert.Contains("🔧 url_context (1 of 1 URL read)", streamed, StringComparison.Ordinal);
        Assert.Contains("Today &amp; tomorrow (text/html", streamed, StringComparison.Ordinal);
        Assert.EndsWith("Version 2.0.", streamed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletion_PdfFile_ItsTextReachesTheModel()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("pdf@example.com");
        var pdf = site.Add("/reports/q3.pdf", "application/pdf", Pdf("Quarterly report: revenue grew 12 percent."));
        h.Llm.Enqueue(LlmReply.Text("12 percent."));

        using var response = await h.PostAsync(token, Body($"How much did revenue grow? {pdf}", UrlTool()));

        Assert.True(response.IsSuccessStatusCode);
        var sent = LastUserText(h.Llm.Requests[0]);
        Assert.Contains($"<page url=\"{pdf}\" content_type=\"application/pdf\">", sent, StringComparison.Ordinal);
        Assert.Contains("Quarterly report: revenue grew 12 percent.", sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletion_DamagedPdfs_AreReportedUnreadable_AndTheRunGoesOn()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("damaged-pdf@example.com");
        var whole = Pdf("A line that is cut off.");
        var notPdf = site.Add("/not.pdf", "application/pdf", "this is not a PDF at all"u8.ToArray());
        var truncated = site.Add("/truncated.pdf", "application/pdf", whole[..(whole.Length / 2)]);
        var headerOnly = site.Add("/header.pdf", "application/pdf", "%PDF-1.7\n%%EOF\n"u8.ToArray());
        h.Llm.Enqueue(LlmReply.Text("None of them could be read."));

        using var response = await h.PostAsync(token, Body($"Read {notPdf}, {truncated} and {headerOnly}", UrlTool()));

        Assert.True(response.IsSuccessStatusCode);
        var sent = LastUserText(h.Llm.Requests[0]);
        foreach (var pdf in new[] { notPdf, truncated, headerOnly })
        {
            Assert.Contains($"<unread url=\"{pdf}\">not read: the PDF could not be read.</unread>", sent, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ChatCompletion_OversizedPages_TextIsCutAndAPdfRefused_WithNotes()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?>(LoopbackAllowed)
        {
            ["Completions:UrlContext:MaxBytes"] = "4096",
        });
        var token = await h.SignInAsync("big@example.com");
        var big = site.Add("/big.txt", "text/plain", new string('a', 3000) + new string('b', 20_000));
        var bigPdf = site.Add("/big.pdf", "application/pdf", new byte[10_000]);
        var long1 = site.Add("/long1.md", "text/markdown", new string('x', 1_500));
        h.Llm.Enqueue(LlmReply.Text("Noted."));

        using var response = await h.PostAsync(token, Body($"Read {big}, {bigPdf} and {long1}", UrlTool(maxContextLength: 2_000)));
        var completion = await OpenAIApiHarness.JsonAsync(response);

        Assert.True(response.IsSuccessStatusCode, completion.ToJsonString());
        var sent = LastUserText(h.Llm.Requests[0]);
        // The text file is read up to MaxBytes; max_context_length is shared: 2,000 characters for both pages read, 1,000 each.
        Assert.Contains($"<page url=\"{big}\" content_type=\"text/plain\">\n{new string('a', 1000)}\n" +
            "[Note: only the first 4096 bytes of the page were read (Completions:UrlContext:MaxBytes). cut to 1000 of 4096 characters to fit max_context_length.]\n</page>",
            sent, StringComparison.Ordinal);
        Assert.Contains($"<page url=\"{long1}\" content_type=\"text/markdown\">\n{new string('x', 1000)}\n" +
            "[Note: cut to 1000 of 1500 characters to fit max_context_length.]\n</page>", sent, StringComparison.Ordinal);
        Assert.Contains($"<unread url=\"{bigPdf}\">not read: the file is larger than 4096 bytes (Completions:UrlContext:MaxBytes); it has 10000 bytes.</unread>", sent, StringComparison.Ordinal);
        var text = (string)completion["choices"]![0]!["message"]!["content"]!;
        Assert.Contains("🔧 url_context (2 of 3 URLs read)", text, StringComparison.Ordinal);
        Assert.Contains($"- ❌ {bigPdf}: not read: the file is larger than 4096 bytes", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletion_PrivateAddresses_AreRefusedWithoutARequest()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(); // no private range allowed, loopback neither
        var token = await h.SignInAsync("ssrf@example.com");
        var local = site.Add("/internal.md", "text/markdown", "internal only");
        var named = new UriBuilder(local) { Host = "localhost" }.Uri;
        h.Llm.Enqueue(LlmReply.Text("Could not read them."));

        using var response = await h.PostAsync(token, Body(
            $"Read {local} and {named} and http://169.254.169.254/latest/meta-data/ and http://10.0.0.1/admin", UrlTool()));
        var completion = await OpenAIApiHarness.JsonAsync(response);

        Assert.True(response.IsSuccessStatusCode, completion.ToJsonString());
        Assert.Empty(site.Requests);
        var sent = LastUserText(h.Llm.Requests[0]);
        Assert.Contains($"<unread url=\"{local}\">not read: 127.0.0.1 is at the non-public address 127.0.0.1, which may not be fetched", sent, StringComparison.Ordinal);
        Assert.Contains($"<unread url=\"{named}\">not read: localhost is at the non-public address", sent, StringComparison.Ordinal);
        Assert.Contains("<unread url=\"http://169.254.169.254/latest/meta-data/\">not read: 169.254.169.254 is at the non-public address 169.254.169.254", sent, StringComparison.Ordinal);
        Assert.Contains("<unread url=\"http://10.0.0.1/admin\">not read: 10.0.0.1 is at the non-public address 10.0.0.1", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("internal only", sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletion_RedirectToAPrivateAddressOrUnsupportedType_IsRefusedWithANote()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("types@example.com");
        var image = site.Add("/logo.png", "image/png", new byte[] { 0x89, 0x50, 0x4E, 0x47 });
        var redirect = site.AddRedirect("/go", new Uri("http://169.254.169.254/latest/meta-data/"));
        var missing = new Uri(site.BaseUrl, "/missing.md");
        h.Llm.Enqueue(LlmReply.Text("None of them."));

        using var response = await h.PostAsync(token, Body($"Look at {image}, {redirect} and {missing}.", UrlTool()));

        Assert.True(response.IsSuccessStatusCode);
        var sent = LastUserText(h.Llm.Requests[0]);
        Assert.Contains($"<unread url=\"{image}\">not read: its content type image/png is not supported (markdown, HTML, plain text and PDF are).</unread>", sent, StringComparison.Ordinal);
        Assert.Contains($"<unread url=\"{redirect}\">not read: 169.254.169.254 is at the non-public address 169.254.169.254", sent, StringComparison.Ordinal);
        Assert.Contains($"<unread url=\"{missing}\">not read: the site answered 404 Not Found.</unread>", sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletion_AtModeInFrontMatter_ReadsOnlyTheMarkedUrls()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("at@example.com");
        var marked = site.Add("/marked.md", "text/markdown", "marked page");
        var plain = site.Add("/plain.md", "text/markdown", "plain page");
        h.Llm.Enqueue(LlmReply.Text("Read the marked one."));

        using var response = await h.PostAsync(token, new JsonObject
        {
            ["mcp_output"] = "text",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "---\nurls: at\n---\nYou are brief." },
                new JsonObject { ["role"] = "user", ["content"] = $"Compare @{marked} with {plain} (only the first matters)." }),
        });
        var completion = await OpenAIApiHarness.JsonAsync(response);

        Assert.True(response.IsSuccessStatusCode, completion.ToJsonString());
        Assert.Equal(1, site.RequestCount("/marked.md"));
        Assert.Equal(0, site.RequestCount("/plain.md"));
        Assert.Equal("You are brief.", (string?)h.Llm.Requests[0].Messages[0]!["content"]);
        Assert.Contains("marked page", LastUserText(h.Llm.Requests[0]), StringComparison.Ordinal);

        // Text mode shows the model's words only.
        Assert.Equal("Read the marked one.", (string?)completion["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task ChatCompletion_UrlContextAbsentOrOff_FetchesNothing()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("off@example.com");
        var page = site.Add("/page.md", "text/markdown", "page");
        h.Llm.Enqueue(LlmReply.Text("One."), LlmReply.Text("Two."));

        // No url_context tool: the request is a plain one, passed through.
        using var absent = await h.PostAsync(token, Body($"What is {page}?"));
        // The tool, turned off by the person's front matter.
        using var off = await h.PostAsync(token, Body($"---\nurls: off\n---\nWhat is {page}?", UrlTool()));

        Assert.True(absent.IsSuccessStatusCode);
        Assert.True(off.IsSuccessStatusCode);
        Assert.Empty(site.Requests);
        Assert.Equal($"What is {page}?", LastUserText(h.Llm.Requests[0]));
        Assert.Equal($"What is {page}?", LastUserText(h.Llm.Requests[1]));
        Assert.DoesNotContain("url_context", (string)(await OpenAIApiHarness.JsonAsync(off))["choices"]![0]!["message"]!["content"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletion_MoreUrlsThanMaxUrls_ReadsTheFirstAndNamesTheRest()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("many@example.com");
        var urls = Enumerable.Range(1, 3).Select(i => site.Add($"/p{i}.md", "text/markdown", $"page {i}")).ToList();
        h.Llm.Enqueue(LlmReply.Text("Two read."));

        using var response = await h.PostAsync(token, Body($"Read {string.Join(" ", urls)} and again {urls[0]}.", UrlTool(maxUrls: 2)));

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(1, site.RequestCount("/p1.md"));
        Assert.Equal(1, site.RequestCount("/p2.md"));
        Assert.Equal(0, site.RequestCount("/p3.md"));
        Assert.Contains($"<unread url=\"{urls[2]}\">not read: the message names more than 2 URLs (max_urls).</unread>", LastUserText(h.Llm.Requests[0]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"url_context","max_urls":0}""", "tools[0].max_urls")]
    [InlineData("""{"type":"url_context","max_urls":1000}""", "tools[0].max_urls")]
    [InlineData("""{"type":"url_context","max_urls":"5"}""", "tools[0].max_urls")]
    [InlineData("""{"type":"url_context","max_urls":2.5}""", "tools[0].max_urls")]
    [InlineData("""{"type":"url_context","max_context_length":10}""", "tools[0].max_context_length")]
    [InlineData("""{"type":"url_context","max_context_length":true}""", "tools[0].max_context_length")]
    [InlineData("""{"type":"url_context","mode":"off"}""", "tools[0].mode")]
    [InlineData("""{"type":"url_context","urls":5}""", "tools[0].urls")]
    public async Task ChatCompletion_BadUrlContextTool_Is400WithTheField(string tool, string param)
    {
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("bad@example.com");

        using var response = await h.PostAsync(token, Body("Read https://example.com/", (JsonObject)JsonNode.Parse(tool)!));

        var error = await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(param, (string?)error["param"]);
        Assert.Equal(0, h.Llm.RequestCount);
    }

    [Fact]
    public async Task ChatCompletion_BadUrlsFrontMatter_Is400()
    {
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("badfm@example.com");

        using var response = await h.PostAsync(token, Body("---\nurls: sometimes\n---\nRead https://example.com/"));

        var error = await OpenAIApiHarness.AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("'urls' must be all, at or off", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responses_UrlContextTool_ThePageReachesTheModel()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        var token = await h.SignInAsync("responses@example.com");
        var page = site.Add("/faq.md", "text/markdown", "Opening hours: 9 to 5.");
        h.Llm.Enqueue(LlmReply.Text("9 to 5."));

        using var response = await h.PostAsync(token, new JsonObject
        {
            ["model"] = "fake-model",
            ["input"] = $"When are they open? {page}",
            ["tools"] = new JsonArray(new JsonObject { ["type"] = "url_context", ["max_urls"] = 1 }),
        }, "v1/responses");
        var body = await OpenAIApiHarness.JsonAsync(response);

        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        Assert.Contains("Opening hours: 9 to 5.", LastUserText(h.Llm.Requests[0]), StringComparison.Ordinal);
        Assert.Equal("completed", (string?)body["status"]);
    }

    [Fact]
    public async Task CliRun_UrlsInFrontMatter_ThePageReachesTheModel()
    {
        await using var site = await TestWebSite.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(LoopbackAllowed);
        await h.Host.CreateUserAsync("cli-reader@example.com", OpenAIApiHarness.Password);
        using var cli = new CliSession(h.Host, "cli-reader@example.com", OpenAIApiHarness.Password);
        Assert.Equal(ExitCodes.Success, (await cli.LoginAsync()).ExitCode);
        var page = site.Add("/notes.md", "text/markdown", "Meeting at noon.");
        h.Llm.Enqueue(LlmReply.Text("At noon."));

        var result = await cli.RunAsync("run", cli.Prompt($"---\nurls: all\n---\nWhen is the meeting? {page}"));

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Contains("🔧 url_context (1 of 1 URL read)", result.Output, StringComparison.Ordinal);
        Assert.Contains("Meeting at noon.", LastUserText(h.Llm.Requests[0]), StringComparison.Ordinal);
    }

    internal static JsonObject UrlTool(int? maxUrls = null, int? maxContextLength = null)
    {
        var tool = new JsonObject { ["type"] = "url_context" };
        if (maxUrls is not null)
        {
            tool["max_urls"] = maxUrls;
        }

        if (maxContextLength is not null)
        {
            tool["max_context_length"] = maxContextLength;
        }

        return tool;
    }

    internal static string LastUserText(ReceivedLlmRequest request)
    {
        var user = request.Messages.OfType<JsonObject>().Last(m => (string?)m["role"] == "user");
        return user["content"] is JsonArray parts
            ? string.Concat(parts.Select(p => (string?)p!["text"]))
            : (string)user["content"]!;
    }

    /// <summary>A one-page PDF with this line of text, made with PdfPig's builder.</summary>
    internal static byte[] Pdf(string line)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var page = builder.AddPage(PageSize.A4);
        page.AddText(line, 12, new PdfPoint(40, 750), font);
        return builder.Build();
    }

    private static JsonObject Body(string prompt, JsonObject? tool = null)
    {
        var body = new JsonObject
        {
            ["model"] = "fake-model",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        if (tool is not null)
        {
            body["tools"] = new JsonArray(tool);
        }

        return body;
    }

    private static async Task<string> StreamedContentAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var content = new StringBuilder();
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.StartsWith("data: {", StringComparison.Ordinal)))
        {
            content.Append((string?)JsonNode.Parse(line["data: ".Length..])!["choices"]?[0]?["delta"]?["content"]);
        }

        return content.ToString();
    }
}
