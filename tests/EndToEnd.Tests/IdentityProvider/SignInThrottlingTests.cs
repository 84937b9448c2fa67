using System.Net;
using System.Text.RegularExpressions;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.EndToEnd.Tests.Tasks;
using McpSubAgent.IdentityProvider.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.IdentityProvider;

/// <summary>
/// Sign-in throttling at <c>/account/login</c> and <c>/connect/token</c>: per client address (forwarded only by trusted
/// proxies) and per account, with a wait that grows per address, the same answer for unknown, wrong and locked, and no
/// lock-out an attacker could use against the owner of an account.
/// </summary>
public sealed partial class SignInThrottlingTests
{
    private const string Email = "grace@example.com";
    private const string Password = "Compiler-Pioneer-1952";
    private const string Attacker = "203.0.113.7";
    private const string Owner = "198.51.100.20";

    private static async Task<SubAgentHost> StartAsync(Dictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        // The addresses the tests appear from are not loopback: plain http must be allowed from them.
        settings ??= [];
        settings["IdentityProvider:RequireHttps"] = "false";
        var host = await SubAgentHost.StartAsync(settings: settings, services: time is null ? null : s => s.AddSingleton(time));
        await host.CreateUserAsync(Email, Password);
        return host;
    }

    [Fact]
    public async Task Login_UnknownWrongAndLockedAccounts_GetTheSameAnswer()
    {
        await using var host = await StartAsync();
        await host.CreateUserAsync("locked@example.com", Password);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var locked = (await users.FindByEmailAsync("locked@example.com"))!;
            await users.SetLockoutEndDateAsync(locked, DateTimeOffset.UtcNow.AddDays(1));
        }

        using var browser = new Browser(host.BaseUrl);
        var unknown = await browser.PostLoginAsync("nobody@example.com", Password);
        var wrong = await browser.PostLoginAsync(Email, "wrong password");
        var lockedOut = await browser.PostLoginAsync("locked@example.com", Password);

        Assert.All(new[] { unknown, wrong, lockedOut }, answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        var error = ErrorOf(unknown.PageOrLocation);
        Assert.Equal("The email or password is not right.", error);
        Assert.Equal(error, ErrorOf(wrong.PageOrLocation));
        Assert.Equal(error, ErrorOf(lockedOut.PageOrLocation));
    }

    [Fact]
    public async Task Login_AnAttackersFailures_DoNotKeepTheOwnerOut()
    {
        await using var host = await StartAsync();
        using var attacker = new Browser(host.BaseUrl);
        attacker.AppearFrom(Attacker);
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 15; i++)
        {
            answers.Add((await attacker.PostLoginAsync(Email, "wrong password")).Status);
        }

        // The attacker is slowed down...
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[^1]);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.PostLoginAsync(Email, Password)).Status);

        // ...and the owner, elsewhere, signs in at once.
        using var owner = new Browser(host.BaseUrl);
        owner.AppearFrom(Owner);
        var (status, location, _) = await owner.PostLoginAsync(Email, Password);
        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.Equal("/connections", location);
    }

    [Fact]
    public async Task Login_FailuresFromOneAddress_MakeItWaitLongerEachTime_WhateverAccountsItTries()
    {
        var time = new ShiftedTimeProvider();
        await using var host = await StartAsync(new()
        {
            ["IdentityProvider:SignInThrottling:FreeFailuresPerAddress"] = "3",
            ["IdentityProvider:SignInThrottling:LoginPermitsPerMinutePerAddress"] = "1000",
        }, time);
        using var browser = new Browser(host.BaseUrl);
        browser.AppearFrom(Attacker);
        var account = 0;
        async Task<(HttpStatusCode Status, string PageOrLocation, TimeSpan? RetryAfter)> SprayAsync() =>
            await browser.PostLoginAsync($"user{++account}@example.com", "Summer2026!");

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SprayAsync()).Status);
        }

        var waits = new List<TimeSpan>();
        for (var round = 0; round < 3; round++)
        {
            var refused = await SprayAsync();
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
            Assert.DoesNotContain("user", refused.PageOrLocation, StringComparison.Ordinal);
            waits.Add(refused.RetryAfter!.Value);
            time.Advance(refused.RetryAfter!.Value + TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.OK, (await SprayAsync()).Status);
        }

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], waits);

        // Another address is not slowed down by this one's failures.
        using var other = new Browser(host.BaseUrl);
        other.AppearFrom(Owner);
        Assert.Equal(HttpStatusCode.Redirect, (await other.PostLoginAsync(Email, Password)).Status);
    }

    [Fact]
    public async Task Login_SprayFromOneAddress_IsRateLimited_PerAddress()
    {
        await using var host = await StartAsync(new()
        {
            ["IdentityProvider:SignInThrottling:FreeFailuresPerAddress"] = "10000",
            ["IdentityProvider:SignInThrottling:LoginPermitsPerMinutePerAddress"] = "5",
        });
        using var browser = new Browser(host.BaseUrl);
        browser.AppearFrom(Attacker);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 50; i++)
        {
            statuses.Add((await browser.PostLoginAsync($"user{i}@example.com", "Summer2026!")).Status);
        }

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(45, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        using var owner = new Browser(host.BaseUrl);
        owner.AppearFrom(Owner);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.PostLoginAsync(Email, Password)).Status);
    }

    [Fact]
    public async Task Login_OneAccountFromOneAddress_IsRateLimited_WithoutLimitingOtherAccounts()
    {
        await using var host = await StartAsync(new()
        {
            ["IdentityProvider:SignInThrottling:FreeFailuresPerAddress"] = "10000",
            ["IdentityProvider:SignInThrottling:LoginPermitsPerMinutePerAccount"] = "3",
        });
        await host.CreateUserAsync("ada@example.com", Password);
        using var browser = new Browser(host.BaseUrl);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.PostLoginAsync(Email, "wrong password")).Status);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.PostLoginAsync(Email, "wrong password")).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostLoginAsync("ada@example.com", Password)).Status);
    }

    [Fact]
    public async Task ForwardedFor_FromASenderThatIsNotAConfiguredProxy_IsIgnored()
    {
        await using var host = await StartAsync(new()
        {
            ["ForwardedHeaders:KnownProxies"] = "10.1.2.3",
            ["ForwardedHeaders:KnownNetworks"] = "",
            ["IdentityProvider:SignInThrottling:FreeFailuresPerAddress"] = "10000",
            ["IdentityProvider:SignInThrottling:LoginPermitsPerMinutePerAddress"] = "3",
        });
        using var browser = new Browser(host.BaseUrl);
        var statuses = new List<(HttpStatusCode Status, string Page, TimeSpan? RetryAfter)>();
        for (var i = 0; i < 4; i++)
        {
            // A new address every time: it would dodge the limit if the header were believed.
            browser.AppearFrom($"203.0.113.{i + 1}");
            statuses.Add(await browser.PostLoginAsync($"user{i}@example.com", "Summer2026!"));
        }

        Assert.True(statuses[0].Status == HttpStatusCode.OK, statuses[0].Page);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses.Select(s => s.Status));
    }

    [Fact]
    public async Task Token_WrongClientSecrets_AreThrottledPerAddress_AndTheAppElsewhereKeepsWorking()
    {
        await using var host = await StartAsync();
        var (clientId, secret) = await AppClients.AddAsync(host, "Guessed app");
        var answers = new List<(HttpStatusCode Status, string? Error)>();
        for (var i = 0; i < 50; i++)
        {
            var (status, body, _) = await AppClients.RequestTokenAsync(host, clientId, $"guess-{i}", Attacker);
            answers.Add((status, (string?)body["error"]));
        }

        // Ten free failures, then waits of 1, 2, 4… seconds: a request or two may land after a short wait has passed.
        Assert.InRange(answers.Count(a => a == (HttpStatusCode.Unauthorized, "invalid_client")), 11, 13);
        Assert.All(answers.Skip(20), a => Assert.Equal((HttpStatusCode.TooManyRequests, "temporarily_unavailable"), a));

        // The app itself, from its own address, still gets tokens.
        var (ok, tokens, _) = await AppClients.RequestTokenAsync(host, clientId, secret, Owner);
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.NotNull(tokens["access_token"]);
    }

    [Fact]
    public async Task Token_OneClientFromOneAddress_IsRateLimited_AndOtherLimitsAnswerInOAuthFormat()
    {
        await using var host = await StartAsync(new()
        {
            ["IdentityProvider:SignInThrottling:TokenPermitsPerMinutePerClient"] = "3",
            ["IdentityProvider:SignInThrottling:TokenPermitsPerMinutePerAddress"] = "5",
        });
        var (first, firstSecret) = await AppClients.AddAsync(host, "First app");
        var (second, secondSecret) = await AppClients.AddAsync(host, "Second app");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await AppClients.RequestTokenAsync(host, first, firstSecret)).Status);
        }

        var perClient = await AppClients.RequestTokenAsync(host, first, firstSecret);
        Assert.Equal(HttpStatusCode.TooManyRequests, perClient.Status);
        Assert.Equal("temporarily_unavailable", (string?)perClient.Body["error"]);
        Assert.NotNull(perClient.RetryAfter);

        // Another client from the same address is not held up by the first one's limit, until the address's own.
        Assert.Equal(HttpStatusCode.OK, (await AppClients.RequestTokenAsync(host, second, secondSecret)).Status);
        var perAddress = await AppClients.RequestTokenAsync(host, second, secondSecret);
        Assert.Equal(HttpStatusCode.TooManyRequests, perAddress.Status);
        Assert.Equal("temporarily_unavailable", (string?)perAddress.Body["error"]);
    }

    private static string ErrorOf(string page) => WebUtility.HtmlDecode(ErrorParagraph().Match(page).Groups[1].Value);

    [GeneratedRegex("""<p class="error" role="alert" id="login-error">([^<]*)</p>""")]
    private static partial Regex ErrorParagraph();
}
