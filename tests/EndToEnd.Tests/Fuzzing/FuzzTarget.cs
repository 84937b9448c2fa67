namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>How a fuzzed request gets past authentication, so that the code that reads it runs.</summary>
internal enum FuzzAuth
{
    None,
    Bearer,
    Cookie,
}

/// <summary>A public endpoint and the well-formed request its malformed variations start from.</summary>
internal sealed record FuzzTarget(string Name, string Method, string Path, string? ContentType, string Body, FuzzAuth Auth)
{
    /// <summary>The path with its last segment (or, without one worth changing, its query) replaced.</summary>
    public string WithOddSegment(string segment, Random random)
    {
        var query = Path.IndexOf('?', StringComparison.Ordinal);
        var bare = query < 0 ? Path : Path[..query];
        return random.Next(3) switch
        {
            0 => bare + "?" + segment + "=" + segment,
            1 => bare[..(bare.LastIndexOf('/') + 1)] + segment + (bare.EndsWith(".json", StringComparison.Ordinal) ? ".json" : ""),
            _ => bare + "/" + segment,
        };
    }
}
