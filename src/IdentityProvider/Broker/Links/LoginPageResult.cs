namespace McpSubAgent.IdentityProvider.Broker.Links;

/// <summary>Where opening a login link or reaching the callback leads: on to a URL, or to a page that says what happened.</summary>
internal abstract record LoginPageResult
{
    private LoginPageResult()
    {
    }

    public sealed record RedirectTo(Uri Url) : LoginPageResult;

    public sealed record Connected(Uri ServerUrl) : LoginPageResult;

    /// <summary>A failure with a title and a sentence for the person; never a stack trace.</summary>
    public sealed record Failed(string Title, string Message, int StatusCode = 400) : LoginPageResult;
}
