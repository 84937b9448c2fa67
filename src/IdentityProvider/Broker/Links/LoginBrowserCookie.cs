using McpSubAgent.IdentityProvider.Broker.Storage;
using Microsoft.AspNetCore.Http;

namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>
/// Binds a login to the browser that opened its link: opening a link sets this random cookie (once per browser) and the
/// authorization request stores its hash; the callback is accepted only with the same cookie. The authorization URL
/// (with its state) sent on to someone else therefore completes nothing.
/// </summary>
internal static class LoginBrowserCookie
{
    public const string Name = "mcpsubagent.login-browser";

    public static string GetOrCreate(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Read(context) is { } existing)
        {
            return existing;
        }

        var value = ConnectionKey.NewSecret();
        context.Response.Cookies.Append(Name, value, new CookieOptions
        {
            HttpOnly = true,
            IsEssential = true,

            // Lax: the callback is a top-level navigation from the authorization server, which Lax cookies go with.
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            Path = "/connections",
        });
        return value;
    }

    public static string? Read(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Request.Cookies[Name] is { Length: 43 } value ? value : null;
    }
}
