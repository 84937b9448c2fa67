namespace McpSubAgent.IdentityProvider.Broker;

/// <summary>
/// One row of the connections page: the tools are listed live with the stored token (null when they could not be,
/// with the reason in <c>Problem</c>), and a connection that needs a login comes with a fresh login link.
/// </summary>
internal sealed record ConnectionView(
    string Id,
    Uri ServerUrl,
    string Profile,
    bool Connected,
    DateTimeOffset? LastUsedAt,
    IReadOnlyList<string>? Tools,
    string? Problem,
    Uri? LoginUrl);
