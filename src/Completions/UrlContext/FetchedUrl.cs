using McpSubAgent.Completions.Credentials;

namespace McpSubAgent.Completions.UrlContext;

/// <summary>What fetching one URL came to: its text for the model, or why there is none, or the login it needs.</summary>
internal sealed record FetchedUrl(Uri Url, UrlReadStatus Status, string? ContentType, string? Title, string? Text, string? Note)
{
    /// <summary>The login the site needs, when <see cref="Status"/> is <see cref="UrlReadStatus.LoginRequired"/>.</summary>
    public McpLoginLink? Login { get; init; }

    /// <summary>The length of the page's whole text, when <see cref="Text"/> holds only its start.</summary>
    public int? FullLength { get; init; }

    /// <summary>A page read, holding at most <paramref name="maxCharacters"/> of its text: no page gets more of the budget.</summary>
    public static FetchedUrl Read(Uri url, string? contentType, string? title, string text, string? note, int maxCharacters) =>
        text.Length <= maxCharacters
            ? new(url, UrlReadStatus.Read, contentType, title, text, note)
            : new(url, UrlReadStatus.Read, contentType, title, text[..maxCharacters], note) { FullLength = text.Length };

    public static FetchedUrl Failed(Uri url, string note, string? contentType = null) => new(url, UrlReadStatus.Failed, contentType, null, null, note);
}
