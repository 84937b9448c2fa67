using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace McpSubAgent.Tasks.Benchmarks;

/// <summary>
/// Gets a real access token as an MCP client would: dynamic registration, authorization code with PKCE through the
/// server's own login and consent pages (driven over plain HTTP with a cookie jar), and the token endpoint.
/// </summary>
internal static partial class OAuthLogin
{
    private const string RedirectUri = "http://127.0.0.1:7777/callback";

    public static async Task<string> GetAccessTokenAsync(Uri server, string email, string password, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = server,
        };

        using var registration = await http.PostAsJsonAsync("connect/register", new JsonObject
        {
            ["client_name"] = "Tasks benchmark",
            ["redirect_uris"] = new JsonArray(RedirectUri),
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
            ["response_types"] = new JsonArray("code"),
            ["token_endpoint_auth_method"] = "none",
        }, cancellationToken);
        registration.EnsureSuccessStatusCode();
        var clientId = (string)(await registration.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["client_id"]!;

        var verifier = Base64UrlTextEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlTextEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var authorize = new Uri(QueryHelpers.AddQueryString(new Uri(server, "connect/authorize").AbsoluteUri, new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = clientId,
            ["redirect_uri"] = RedirectUri,
            ["scope"] = "mcp offline_access",
            ["state"] = "benchmark",
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        }));
        var redirect = await AuthorizeAsync(http, server, authorize, email, password, cancellationToken);
        var code = QueryHelpers.ParseQuery(redirect.Query)["code"].ToString();

        using var token = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = clientId,
            ["code"] = code,
            ["code_verifier"] = verifier,
            ["redirect_uri"] = RedirectUri,
        }), cancellationToken);
        token.EnsureSuccessStatusCode();
        return (string)(await token.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["access_token"]!;
    }

    // Follows the server's redirects, fills in the login and consent forms, and stops at the redirect that leaves the server.
    private static async Task<Uri> AuthorizeAsync(HttpClient http, Uri server, Uri start, string email, string password, CancellationToken cancellationToken)
    {
        var current = start;
        var response = await http.GetAsync(current, cancellationToken);
        for (var step = 0; step < 20; step++)
        {
            var previous = response;
            using (previous)
            {
                if ((int)response.StatusCode is >= 300 and < 400)
                {
                    var location = new Uri(current, response.Headers.Location!);
                    if (location.GetLeftPart(UriPartial.Authority) != server.GetLeftPart(UriPartial.Authority))
                    {
                        return location;
                    }

                    current = location;
                    response = await http.GetAsync(location, cancellationToken);
                    continue;
                }

                var html = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"The server answered {(int)response.StatusCode} at {current}.");
                }

                var fields = HiddenFields(html);
                if (html.Contains("name=\"Password\"", StringComparison.Ordinal))
                {
                    fields["Email"] = email;
                    fields["Password"] = password;
                }
                else if (html.Contains("name=\"decision\"", StringComparison.Ordinal))
                {
                    fields["decision"] = "allow";
                }
                else
                {
                    throw new InvalidOperationException($"An unexpected page at {current}.");
                }

                response = await http.PostAsync(current, new FormUrlEncodedContent(fields), cancellationToken);
            }
        }

        throw new InvalidOperationException("Signing in took too many steps.");
    }

    private static Dictionary<string, string> HiddenFields(string html)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match input in InputTag().Matches(html))
        {
            var attributes = Attribute().Matches(input.Value)
                .ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value), StringComparer.OrdinalIgnoreCase);
            if (attributes.GetValueOrDefault("type") == "hidden" && attributes.TryGetValue("name", out var name))
            {
                fields[name] = attributes.GetValueOrDefault("value") ?? "";
            }
        }

        return fields;
    }

    [GeneratedRegex("<input[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputTag();

    [GeneratedRegex("([a-zA-Z_:-]+)=\"([^\"]*)\"")]
    private static partial Regex Attribute();
}
