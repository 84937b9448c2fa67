using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.ChatPage;

/// <summary>A person's browser session at the chat page: signed in with the login form, calling as the page's script does.</summary>
internal sealed partial class ChatSession(HttpClient http) : IDisposable
{
    public static async Task<ChatSession> SignInAsync(SubAgentHost host, string email, string password)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = host.BaseUrl,
        };
        var cancellationToken = TestContext.Current.CancellationToken;
        var page = await http.GetStringAsync("account/login?ReturnUrl=%2F", cancellationToken);
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        using var response = await http.PostAsync("account/login?ReturnUrl=%2F", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email,
            ["Password"] = password,
            ["ReturnUrl"] = "/",
            ["__RequestVerificationToken"] = token,
        }), cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Signing in answered {(int)response.StatusCode}.");
        return new ChatSession(http);
    }

    /// <summary>A request as the page's script sends it (its header, same-origin), or as another site would (<paramref name="scripted"/> false).</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string path, JsonNode? body = null, bool scripted = true, string? fetchSite = "same-origin", string? rawBody = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (scripted)
        {
            request.Headers.Add("X-Requested-With", "McpSubAgent");
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        if (body is not null || rawBody is not null)
        {
            request.Content = new StringContent(rawBody ?? body!.ToJsonString(), Encoding.UTF8, "application/json");
        }

        var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        JsonNode? json = null;
        if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true)
        {
            json = JsonNode.Parse(text);
        }

        return (response.StatusCode, json, response);
    }

    public Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);

    public void Dispose() => http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
