namespace McpSubAgent.Cli;

/// <summary>What a command touches outside itself: its output, the config folder, HTTP and the person's browser.</summary>
public sealed class CliEnvironment
{
    /// <summary>Where answers go (the model's text, <c>--json</c> results).</summary>
    public required TextWriter Output { get; init; }

    /// <summary>Where notes, login links and errors go.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>The folder that holds <c>credentials.json</c>.</summary>
    public required string ConfigDirectory { get; init; }

    /// <summary>The server to use when none is given on the command line (<c>MCPSUBAGENT_SERVER</c>).</summary>
    public string? DefaultServer { get; init; }

    /// <summary>Opens a URL in the person's browser.</summary>
    public required Func<Uri, CancellationToken, Task> OpenBrowser { get; init; }

    /// <summary>Creates the HTTP client for server calls.</summary>
    public Func<HttpClient> CreateHttpClient { get; init; } = () => new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The clock for token expiry and the waits between device-flow polls.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Opens a link that was just printed; where no browser can be opened, says so and goes on.</summary>
    internal async Task TryOpenBrowserAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            await OpenBrowser(url, cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            await Error.WriteLineAsync("No browser could be opened: open the link above yourself.").ConfigureAwait(false);
        }
    }

    /// <summary>The environment of a real process: the console, XDG_CONFIG_HOME (or ~/.config) and the system's URL opener.</summary>
    public static CliEnvironment FromProcess() => new()
    {
        Output = Console.Out,
        Error = Console.Error,
        ConfigDirectory = DefaultConfigDirectory(Environment.GetEnvironmentVariable),
        DefaultServer = Environment.GetEnvironmentVariable("MCPSUBAGENT_SERVER"),
        OpenBrowser = SystemBrowser.OpenAsync,
    };

    /// <summary><c>$XDG_CONFIG_HOME/mcpsubagent</c>, else <c>~/.config/mcpsubagent</c> (on Windows, under %APPDATA%).</summary>
    public static string DefaultConfigDirectory(Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        var xdg = getEnvironmentVariable("XDG_CONFIG_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "mcpsubagent");
        }

        return OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "mcpsubagent")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "mcpsubagent");
    }
}
