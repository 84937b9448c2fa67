using System.Text.Json;

namespace McpSubAgent.Cli.Auth;

/// <summary>
/// <c>credentials.json</c> in the config folder, readable by its owner only (0600, in a 0700 folder): refresh tokens are
/// as good as a password until they expire. Writes go to a new 0600 file that replaces the old one, so a crash leaves
/// either the old or the new content, never a file readable by others.
/// </summary>
internal sealed class CredentialStore(string directory)
{
    private const int MaxFileBytes = 1024 * 1024;
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string FilePath { get; } = Path.Combine(directory, "credentials.json");

    /// <summary>The server URL in the form used as the key: absolute, with a trailing slash.</summary>
    public static string Key(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var text = server.GetLeftPart(UriPartial.Path);
        return text.EndsWith('/') ? text : text + "/";
    }

    public async Task<CredentialsFile> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(FilePath))
        {
            return new CredentialsFile();
        }

        if (new FileInfo(FilePath).Length > MaxFileBytes)
        {
            throw new InvalidDataException($"{FilePath} is larger than {MaxFileBytes} bytes; delete it and sign in again.");
        }

        await using var stream = File.OpenRead(FilePath);
        try
        {
            return await JsonSerializer.DeserializeAsync(stream, CliJsonContext.Default.CredentialsFile, cancellationToken).ConfigureAwait(false)
                ?? new CredentialsFile();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{FilePath} is not valid JSON; delete it and sign in again.", ex);
        }
    }

    public async Task WriteAsync(CredentialsFile content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temporary = FilePath + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        try
        {
            await using (var stream = new FileStream(temporary, options))
            {
                await JsonSerializer.SerializeAsync(stream, content, CliJsonContext.Default.CredentialsFile, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, FilePath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
