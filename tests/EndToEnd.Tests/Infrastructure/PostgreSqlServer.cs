using System.Diagnostics;
using Npgsql;

[assembly: AssemblyFixture(typeof(McpSubAgent.EndToEnd.Tests.Infrastructure.PostgreSqlServer))]

namespace McpSubAgent.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for the whole test run: Debian's <c>postgresql</c> binaries (installed by the test
/// build when missing), <c>initdb</c> in a temp folder and <c>pg_ctl</c> on a free loopback port, started at the first
/// test that asks for a database and stopped and deleted at the end. Each test host gets a database of its own.
/// </summary>
/// <remarks>
/// <c>initdb</c> refuses to run as root, so as root the cluster belongs to the <c>postgres</c> user (runuser).
/// </remarks>
public sealed class PostgreSqlServer : IAsyncDisposable
{
    private const string SuperUser = "postgres";
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private string? _folder;
    private string? _binaries;
    private int _port;

    /// <summary>Connection string of the cluster's maintenance database; starts the cluster on first use.</summary>
    private async Task<string> StartedAsync(CancellationToken cancellationToken)
    {
        await _startLock.WaitAsync(cancellationToken);
        try
        {
            if (_folder is null)
            {
                await StartAsync(cancellationToken);
            }

            return ConnectionString("postgres");
        }
        finally
        {
            _startLock.Release();
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(await StartedAsync(cancellationToken));
        await connection.OpenAsync(cancellationToken);
        var name = $"test_{Guid.NewGuid():N}";
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_folder is not null)
        {
            await RunAsync("pg_ctl", ["-D", DataFolder, "-m", "immediate", "-w", "stop"], CancellationToken.None);
            Directory.Delete(_folder, recursive: true);
        }

        _startLock.Dispose();
    }

    private string DataFolder => Path.Combine(_folder!, "data");

    private string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={_port};Username={SuperUser};Database={database};Include Error Detail=true";

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _binaries = FindBinaries();
        var folder = Directory.CreateTempSubdirectory("mcpsubagent-pg-").FullName;
        if (IsRoot)
        {
            await RunAsync("/bin/chown", [$"{SuperUser}:", folder], cancellationToken, asRoot: true);
        }

        _folder = folder;
        await RunAsync("initdb", ["-D", DataFolder, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"], cancellationToken);
        _port = LoopbackPort.Free();

        // A test cluster: durability off (nothing here outlives the run), connections enough for parallel test hosts.
        var options = $"-p {_port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=off "
            + "-c synchronous_commit=off -c full_page_writes=off";
        await RunAsync("pg_ctl", ["-D", DataFolder, "-o", options, "-l", Path.Combine(folder, "server.log"), "-w", "-t", "60", "start"], cancellationToken);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string FindBinaries()
    {
        // Debian keeps the server binaries per major version, outside PATH; the newest installed one is used.
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).ToList()
            : [];
        return versions.FirstOrDefault() ?? throw new InvalidOperationException(
            "The PostgreSQL tests need Debian's postgresql package (initdb under /usr/lib/postgresql): the test build installs it "
            + "when run as root; otherwise run 'sudo apt-get install postgresql'.");
    }

    private async Task RunAsync(string program, string[] arguments, CancellationToken cancellationToken, bool asRoot = false)
    {
        var path = Path.IsPathRooted(program) ? program : Path.Combine(_binaries!, program);
        var start = IsRoot && !asRoot
            ? new ProcessStartInfo("runuser", ["-u", SuperUser, "--", path, .. arguments])
            : new ProcessStartInfo(path, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}: {await output}{await error}");
        }
    }
}
