using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace McpSubAgent.EndToEnd.Tests.Infrastructure;

/// <summary>Apps of a host, as an operator creates them (<c>clients add</c>) and as they get tokens (client credentials).</summary>
internal static partial class AppClients
{
    /// <summary>Adds an app with the <c>clients add</c> command and returns the credentials it printed.</summary>
    public static async Task<(string ClientId, string Secret)> AddAsync(SubAgentHost host, string name)
    {
        var (exitCode, printed, error) = await ServerProcess.RunCommandAsync(host.Database, ["clients", "add", name]);
        Assert.True(exitCode == 0, error);
        return (ClientIdLine().Match(printed).Groups[1].Value, SecretLine().Match(printed).Groups[1].Value);
    }

    /// <summary>An app's access token from the client credentials grant.</summary>
    public static async Task<string> TokenAsync(SubAgentHost host, string clientId, string secret)
    {
        var (status, body, _) = await RequestTokenAsync(host, clientId, secret);
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        return (string)body["access_token"]!;
    }

    /// <summary>A client credentials request as it is answered, optionally from another address behind a trusted (loopback) proxy.</summary>
    public static async Task<(HttpStatusCode Status, JsonObject Body, TimeSpan? RetryAfter)> RequestTokenAsync(
        SubAgentHost host, string clientId, string secret, string? forwardedFor = null)
    {
        using var http = host.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "mcp" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes($"{clientId}:{secret}")));
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        return (response.StatusCode, body, response.Headers.RetryAfter?.Delta);
    }

    [GeneratedRegex(@"client_id: (\S+)")]
    private static partial Regex ClientIdLine();

    [GeneratedRegex(@"client_secret: (\S+)")]
    private static partial Regex SecretLine();
}
