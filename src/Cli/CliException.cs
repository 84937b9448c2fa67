namespace McpSubAgent.Cli;

/// <summary>A failure a command reports with its message and exit code (see <see cref="ExitCodes"/>).</summary>
internal sealed class CliException(int exitCode, string message, Exception? innerException = null) : Exception(message, innerException)
{
    public int ExitCode { get; } = exitCode;
}
