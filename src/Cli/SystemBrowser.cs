using System.Diagnostics;

namespace McpSubAgent.Cli;

/// <summary>Opens URLs with the operating system's handler (xdg-open, open, or the Windows shell).</summary>
internal static class SystemBrowser
{
    public static Task OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("Only http and https URLs are opened.", nameof(url));
        }

        var start = OperatingSystem.IsWindows()
            ? new ProcessStartInfo(url.AbsoluteUri) { UseShellExecute = true }
            : new ProcessStartInfo(OperatingSystem.IsMacOS() ? "open" : "xdg-open", [url.AbsoluteUri]) { UseShellExecute = false };
        using var process = Process.Start(start);
        return Task.CompletedTask;
    }
}
