namespace McpSubAgent.Cli;

/// <summary>The entry point of the <c>mcpsubagent</c> tool.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        return await CliApp.RunAsync(args, CliEnvironment.FromProcess(), stop.Token).ConfigureAwait(false);
    }
}
