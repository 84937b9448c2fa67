using McpSubAgent.Completions.Credentials;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>What fetching one URL came to: its text for the model, or why there is none, or the login it needs.</summary>
internal sealed record FetchedUrl(Uri Url, UrlReadStatus Status, string? ContentType, string? Title, string? Text, string? Note)
{
    /// <summary>The login the site needs, when <see cref="Status"/> is <see cref="UrlReadStatus.LoginRequired"/>.</summary>
    public McpLoginLink? Login { get; init; }

    public static FetchedUrl Failed(Uri url, string note, string? contentType = null) => new(url, UrlReadStatus.Failed, contentType, null, null, note);
}
