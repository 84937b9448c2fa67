namespace McpSubAgent.Completions.UrlContext;

/// <summary>One URL of the person's message and what came of it.</summary>
/// <param name="Url">The URL as written (without its fragment).</param>
/// <param name="Status">Whether it was read.</param>
/// <param name="ContentType">The media type the site answered with, when it answered.</param>
/// <param name="Title">The page's title, when it has one.</param>
/// <param name="Characters">How many characters of its text the model got.</param>
/// <param name="Note">Why it failed, or what was cut; null when it was read whole.</param>
public sealed record UrlRead(Uri Url, UrlReadStatus Status, string? ContentType, string? Title, int Characters, string? Note);
