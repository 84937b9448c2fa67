using System.Net;
using System.Text.RegularExpressions;

namespace McpSubAgent.EndToEnd.Tests.Infrastructure;

/// <summary>
/// What a person's browser does with our login and consent pages, over plain HTTP with a cookie jar: follows the
/// server's redirects, fills in the forms (with their antiforgery tokens) and stops at the redirect that leaves the
/// server, which carries the authorization code to the client.
/// </summary>
internal sealed partial class Browser(Uri server) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false, UseCookies = true });

    /// <summary>The consent pages seen, for assertions on what the person was shown.</summary>
    public List<string> ConsentPages { get; } = [];

    /// <summary>Login pages seen.</summary>
    public int LoginPagesSeen { get; private set; }

    public string? LastPage { get; private set; }

    /// <summary>Signs in if asked, answers the consent page if shown, and returns where the server finally sends the browser.</summary>
    public async Task<Uri> AuthorizeAsync(Uri authorizationUri, string email, string password, string decision = "allow")
    {
        var response = await _http.GetAsync(authorizationUri, TestContext.Current.CancellationToken);
        var current = authorizationUri;
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
                    response = await _http.GetAsync(location, TestContext.Current.CancellationToken);
                    continue;
                }

                var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                LastPage = html;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"The server answered {(int)response.StatusCode} at {current}: {html}");
                }

                Dictionary<string, string> fields;
                if (html.Contains("name=\"Password\"", StringComparison.Ordinal))
                {
                    LoginPagesSeen++;
                    if (LoginPagesSeen > 3)
                    {
                        throw new InvalidOperationException($"Signing in did not work: {html}");
                    }

                    fields = HiddenFields(html);
                    fields["Email"] = email;
                    fields["Password"] = password;
                }
                else if (html.Contains("name=\"decision\"", StringComparison.Ordinal))
                {
                    ConsentPages.Add(html);
                    fields = HiddenFields(html);
                    fields["decision"] = decision;
                }
                else
                {
                    throw new InvalidOperationException($"An unexpected page at {current}: {html}");
                }

                response = await _http.PostAsync(current, new FormUrlEncodedContent(fields), TestContext.Current.CancellationToken);
            }
        }

        throw new InvalidOperationException("Too many steps.");
    }

    /// <summary>
    /// What a person does with a device's <c>verification_uri_complete</c>: opens it, signs in on the login page it
    /// redirects to, reads the verification page (returned) and posts its form (antiforgery token included) with
    /// <paramref name="decision"/>; returns the page and where the decision redirects.
    /// </summary>
    public async Task<(string VerificationPage, Uri Outcome)> VerifyDeviceAsync(Uri verificationUriComplete, string email, string password, string decision = "allow")
    {
        var login = await LocationOfAsync(verificationUriComplete);
        Assert.Equal("/account/login", login.AbsolutePath);
        var (status, location, _) = await PostLoginAsync(email, password);
        Assert.True(status == HttpStatusCode.Redirect, $"{(int)status} {location}");

        var (pageStatus, page) = await GetPageAsync(verificationUriComplete);
        Assert.True(pageStatus == HttpStatusCode.OK && page.Contains("name=\"decision\"", StringComparison.Ordinal), page);
        var form = HiddenFields(page);
        form["decision"] = decision;
        var action = new Uri(verificationUriComplete.GetLeftPart(UriPartial.Path));
        using var response = await _http.PostAsync(action, new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        return (page, new Uri(action, response.Headers.Location!));
    }

    /// <summary>Posts a login form directly and returns the page.</summary>
    public async Task<string> TryLoginAsync(string email, string password)
    {
        var (status, page, _) = await PostLoginAsync(email, password);
        return status == HttpStatusCode.OK ? page : $"redirect:{page}";
    }

    /// <summary>
    /// Posts a login form directly (at the browser's server, or at <paramref name="at"/>): the status, the page (or where
    /// a redirect goes) and any <c>Retry-After</c>.
    /// </summary>
    public async Task<(HttpStatusCode Status, string PageOrLocation, TimeSpan? RetryAfter)> PostLoginAsync(string email, string password, Uri? at = null)
    {
        var loginUrl = new Uri(at ?? server, "account/login");
        using var page = await _http.GetAsync(loginUrl, TestContext.Current.CancellationToken);
        var fields = HiddenFields(await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        fields["Email"] = email;
        fields["Password"] = password;
        using var response = await _http.PostAsync(loginUrl, new FormUrlEncodedContent(fields), TestContext.Current.CancellationToken);
        var body = (int)response.StatusCode is >= 300 and < 400
            ? response.Headers.Location?.OriginalString ?? ""
            : await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, body, response.Headers.RetryAfter?.Delta);
    }

    /// <summary>Makes the browser appear to be at another address, as a trusted (loopback) proxy would forward it.</summary>
    public void AppearFrom(string address)
    {
        _http.DefaultRequestHeaders.Remove("X-Forwarded-For");
        _http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
    }

    /// <summary>GETs a page with the browser's cookies.</summary>
    public async Task<(HttpStatusCode Status, string Html)> GetPageAsync(Uri url)
    {
        using var response = await _http.GetAsync(url, TestContext.Current.CancellationToken);
        LastPage = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, LastPage);
    }

    /// <summary>GETs a URL with the browser's cookies and returns where it redirects to.</summary>
    public async Task<Uri> LocationOfAsync(Uri url)
    {
        using var response = await _http.GetAsync(url, TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode is >= 300 and < 400, $"{(int)response.StatusCode} at {url}");
        return new Uri(url, response.Headers.Location!);
    }

    /// <summary>Submits a form of the last page (its hidden fields, antiforgery token included) with more fields.</summary>
    public async Task<(HttpStatusCode Status, string Html)> SubmitAsync(Uri action, Dictionary<string, string> fields)
    {
        var form = HiddenFields(LastPage ?? "");
        foreach (var (name, value) in fields)
        {
            form[name] = value;
        }

        using var response = await _http.PostAsync(action, new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        LastPage = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, LastPage);
    }

    public void Dispose() => _http.Dispose();

    private static Dictionary<string, string> HiddenFields(string html)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match input in InputTag().Matches(html))
        {
            var attributes = Attribute().Matches(input.Value).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value), StringComparer.OrdinalIgnoreCase);
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
