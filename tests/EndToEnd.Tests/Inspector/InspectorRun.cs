namespace McpSubAgent.EndToEnd.Tests.Inspector;

/// <summary>How one run of the Inspector CLI ended: its exit code and what it wrote.</summary>
internal sealed record InspectorRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
