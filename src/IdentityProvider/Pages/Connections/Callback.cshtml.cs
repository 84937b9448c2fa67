using McpSubAgent.IdentityProvider.Broker.Links;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace McpSubAgent.IdentityProvider.Pages.Connections;

/// <summary>The redirect URI of downstream logins: finishes the login and says which server is now connected.</summary>
internal sealed class CallbackModel(LoginFlows flows) : PageModel
{
    public LoginPageResult.Failed? Failure { get; private set; }

    public Uri? ServerUrl { get; private set; }

    public async Task<IActionResult> OnGetAsync(
        string? state,
        string? code,
        string? iss,
        string? error,
        [FromQuery(Name = "error_description")] string? errorDescription)
    {
        var result = await flows.CompleteAsync(state, code, iss, error, errorDescription, LoginBrowserCookie.Read(HttpContext), HttpContext.RequestAborted);
        if (result is LoginPageResult.Connected connected)
        {
            ServerUrl = connected.ServerUrl;
            return Page();
        }

        // An app's end user: on to the app's verification URL, which confirms who it is.
        if (result is LoginPageResult.RedirectTo redirect)
        {
            return Redirect(redirect.Url.AbsoluteUri);
        }

        Failure = (LoginPageResult.Failed)result;
        Response.StatusCode = Failure.StatusCode;
        return Page();
    }
}
