using McpSubAgent.IdentityProvider.Broker.Links;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace McpSubAgent.IdentityProvider.Pages.Connections;

/// <summary>A login link: sends the browser on to the downstream server's authorization page, or says why it cannot.</summary>
internal sealed class LoginModel(LoginFlows flows) : PageModel
{
    public LoginPageResult.Failed? Failure { get; private set; }

    public async Task<IActionResult> OnGetAsync(string link)
    {
        var result = await flows.StartAsync(link, HttpContext.RequestAborted);
        if (result is LoginPageResult.RedirectTo redirect)
        {
            return Redirect(redirect.Url.AbsoluteUri);
        }

        Failure = (LoginPageResult.Failed)result;
        Response.StatusCode = Failure.StatusCode;
        return Page();
    }
}
