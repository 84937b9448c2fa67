using System.Diagnostics;

[assembly: AssemblyFixture(typeof(McpSubAgent.EndToEnd.Tests.Infrastructure.RedisServer))]

namespace McpSubAgent.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A throwaway Redis for the whole test run (Debian's <c>redis-server</c>, installed by the test build when missing) on a
/// free loopback port, without persistence; started at the first test that asks for it, stopped at the end. Tests keep
/// apart by their own keys (each caller's limits are keyed by a user id that is new in every test).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/redis-server";
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private Process? _process;
    private int _port;

    /// <summary>The <c>Redis:Configuration</c> of the running server; starts it on first use.</summary>
    public async Task<string> ConfigurationAsync(CancellationToken cancellationToken)
    {
        await _startLock.WaitAsync(cancellationToken);
        try
        {
            if (_process is null)
            {
                await StartAsync(cancellationToken);
            }

            return $"127.0.0.1:{_port}";
        }
        finally
        {
            _startLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        _startLock.Dispose();
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException(
                "The cross-replica limit tests need Debian's redis-server: the test build installs it when run as root; otherwise run 'sudo apt-get install redis-server'.");
        }

        _port = LoopbackPort.Free();
        var start = new ProcessStartInfo(Binary, ["--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"redis-server exited with {process.ExitCode}."));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }
}
