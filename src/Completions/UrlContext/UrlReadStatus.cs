namespace McpSubAgent.Completions.UrlContext;

/// <summary>What came of one URL of the person's message.</summary>
public enum UrlReadStatus
{
    /// <summary>Its text was given to the model (perhaps cut to fit; see <see cref="UrlRead.Note"/>).</summary>
    Read,

    /// <summary>It could not be read; <see cref="UrlRead.Note"/> says why, and the model was told.</summary>
    Failed,

    /// <summary>The site needs the person to log in first; the login link is in the run's <see cref="Events.LoginRequired"/>.</summary>
    LoginRequired,

    /// <summary>Not fetched: the message names more URLs than <c>max_urls</c>.</summary>
    Skipped,
}
