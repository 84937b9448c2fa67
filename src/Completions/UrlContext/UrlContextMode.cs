namespace McpSubAgent.Completions.UrlContext;

/// <summary>Which URLs of the person's message are read for the model (front matter <c>urls:</c>).</summary>
public enum UrlContextMode
{
    /// <summary>None: URL context is off (<c>urls: off</c>).</summary>
    Off,

    /// <summary>Every http(s) URL in the message (<c>urls: all</c>, the default of the <c>url_context</c> tool).</summary>
    All,

    /// <summary>Only URLs written as <c>@https://…</c> (<c>urls: at</c>).</summary>
    At,
}
