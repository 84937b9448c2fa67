namespace McpSubAgent.EndToEnd.Tests.Infrastructure;

/// <summary>Files of the repository's source tree (docs, node packages), found up from the test's output folder.</summary>
internal static class SourceTree
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "McpSubAgent.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with McpSubAgent.sln) was not found above " + AppContext.BaseDirectory);
    });

    /// <summary>A path below the repository root, e.g. <c>SourceTree.Path("docs", "configuration.md")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root.Value, .. parts]);
}
