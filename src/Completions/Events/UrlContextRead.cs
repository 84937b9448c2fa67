using McpSubAgent.Completions.UrlContext;

namespace McpSubAgent.Completions.Events;

/// <summary>
/// The URLs of the person's message were fetched for the model (<c>url_context</c>): which were read, which failed and
/// why. Comes right after <see cref="RunStarted"/> (and <see cref="McpToolsListed"/>), once per run with URL context on
/// whose last user message names URLs; in markdown mode the answer also shows it as a collapsible block.
/// </summary>
/// <param name="Urls">One entry per URL found, in the order written.</param>
public sealed record UrlContextRead(IReadOnlyList<UrlRead> Urls) : CompletionEvent;
