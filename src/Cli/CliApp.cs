using System.CommandLine;
using McpSubAgent.Cli.Auth;
using McpSubAgent.Cli.Prompts;
using McpSubAgent.Cli.Runs;

namespace McpSubAgent.Cli;

/// <summary>The <c>mcpsubagent</c> commands: <c>login</c>, <c>logout</c> and <c>run</c>.</summary>
public static class CliApp
{
    private static readonly TimeSpan DefaultSignInTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs one command line, as the <c>mcpsubagent</c> process does, against <paramref name="environment"/>.</summary>
    /// <param name="args">The command line without the program name.</param>
    /// <param name="environment">Output, config folder, HTTP and browser to use.</param>
    /// <param name="cancellationToken">Stops the command.</param>
    /// <returns>One of <see cref="ExitCodes"/>.</returns>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var root = Build(environment);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await environment.Error.WriteLineAsync(error.Message).ConfigureAwait(false);
            }

            await environment.Error.WriteLineAsync("Run 'mcpsubagent --help' for usage.").ConfigureAwait(false);
            return ExitCodes.UsageError;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = environment.Output, Error = environment.Error }, cancellationToken).ConfigureAwait(false);
    }

    private static RootCommand Build(CliEnvironment environment)
    {
        var server = new Option<string?>("--server", "-s")
        {
            Description = "The McpSubAgent server's URL (default: MCPSUBAGENT_SERVER, else the server signed in to last).",
        };

        var noBrowser = new Option<bool>("--no-browser") { Description = "Print the sign-in link instead of opening a browser." };
        var device = new Option<bool>("--device")
        {
            Description = "Sign in without a browser here (device flow, RFC 8628): enter the printed code on any device's browser.",
        };
        var openVerification = new Option<bool>("--open") { Description = "With --device: open the verification link in a browser here too." };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the browser sign-in to finish (with --device, the code's lifetime applies).",
            DefaultValueFactory = _ => (int)DefaultSignInTimeout.TotalSeconds,
        };
        timeout.Validators.Add(r =>
        {
            if (r.GetValue(timeout) is < 1 or > 3600)
            {
                r.AddError("--timeout must be from 1 to 3600 seconds.");
            }
        });
        var login = new Command(
            "login",
            "Sign in to a McpSubAgent server (browser, PKCE, loopback redirect; or --device: a code to enter on another device) and keep the refresh token.")
        {
            server, noBrowser, timeout, device, openVerification,
        };
        login.SetAction((parse, ct) =>
        {
            // The browser login opens the browser unless told not to; the device flow is for machines without one.
            var withDevice = parse.GetValue(device);
            var openBrowser = withDevice ? parse.GetValue(openVerification) : !parse.GetValue(noBrowser);
            return GuardAsync(environment, json: false, () => LoginAsync(
                environment, parse.GetValue(server), withDevice, openBrowser, TimeSpan.FromSeconds(parse.GetValue(timeout)), ct));
        });

        var logout = new Command("logout", "Revoke and forget the stored tokens of a server.") { server };
        logout.SetAction((parse, ct) => GuardAsync(environment, json: false, () => LogoutAsync(environment, parse.GetValue(server), ct)));

        var file = new Argument<FileInfo>("file") { Description = "A markdown prompt, optionally with front matter (mcp:, model:, profile:, output:, urls:, ...)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON result instead of streaming the answer." };
        var open = new Option<bool>("--open") { Description = "Open login and approval links in the browser." };
        var model = new Option<string?>("--model", "-m") { Description = "The model (overrides the front matter's model:)." };
        var output = new Option<string?>("--output") { Description = "markdown (tool calls shown) or text (the answer only)." };
        output.AcceptOnlyFromAmong("markdown", "text");
        var run = new Command("run", "Run a markdown prompt file against the server, streaming the answer.") { file, server, json, open, model, output };
        run.SetAction((parse, ct) =>
        {
            var asJson = parse.GetValue(json);
            return GuardAsync(environment, asJson, () => RunPromptAsync(
                environment, parse.GetValue(file)!, parse.GetValue(server), new RunOptions(asJson, parse.GetValue(open), parse.GetValue(model), parse.GetValue(output)), ct));
        });

        return new RootCommand("Runs markdown prompt files with front matter against a McpSubAgent server.") { login, logout, run };
    }

    private static async Task<int> LoginAsync(
        CliEnvironment environment, string? serverOption, bool device, bool openBrowser, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var store = new CredentialStore(environment.ConfigDirectory);
        var file = await store.ReadAsync(cancellationToken).ConfigureAwait(false);
        var server = ResolveServer(serverOption ?? environment.DefaultServer ?? file.DefaultServer);
        var key = CredentialStore.Key(server);
        using var http = environment.CreateHttpClient();
        var previous = file.Servers.GetValueOrDefault(key);
        var credentials = device
            ? await new DeviceSignIn(http, environment).SignInAsync(server, previous, openBrowser, cancellationToken).ConfigureAwait(false)
            : await new LoopbackSignIn(http, environment).SignInAsync(server, previous, openBrowser, timeout, cancellationToken).ConfigureAwait(false);
        file.Servers[key] = credentials;
        await store.WriteAsync(file with { DefaultServer = key }, cancellationToken).ConfigureAwait(false);
        await environment.Error.WriteLineAsync($"Signed in to {key}; tokens kept in {store.FilePath}.").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> LogoutAsync(CliEnvironment environment, string? serverOption, CancellationToken cancellationToken)
    {
        var store = new CredentialStore(environment.ConfigDirectory);
        var file = await store.ReadAsync(cancellationToken).ConfigureAwait(false);
        var key = CredentialStore.Key(ResolveServer(serverOption ?? environment.DefaultServer ?? file.DefaultServer));
        if (!file.Servers.Remove(key, out var credentials))
        {
            await environment.Error.WriteLineAsync($"Not signed in to {key}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        using var http = environment.CreateHttpClient();
        var revoked = await new TokenClient(http, environment.TimeProvider).RevokeAsync(credentials, cancellationToken).ConfigureAwait(false);
        await store.WriteAsync(file with { DefaultServer = file.DefaultServer == key ? null : file.DefaultServer }, cancellationToken).ConfigureAwait(false);
        await environment.Error.WriteLineAsync(revoked
            ? $"Signed out of {key}."
            : $"Signed out of {key} (the server could not revoke the token; it expires on its own).").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> RunPromptAsync(CliEnvironment environment, FileInfo file, string? serverOption, RunOptions options, CancellationToken cancellationToken)
    {
        var prompt = await PromptFile.ReadAsync(file.FullName, cancellationToken).ConfigureAwait(false);
        var store = new CredentialStore(environment.ConfigDirectory);
        var stored = await store.ReadAsync(cancellationToken).ConfigureAwait(false);
        var server = ResolveServer(serverOption ?? environment.DefaultServer ?? stored.DefaultServer);
        using var http = environment.CreateHttpClient();
        var tokens = new AccessTokens(store, new TokenClient(http, environment.TimeProvider), environment.TimeProvider);
        var result = await new PromptRunner(http, tokens, environment).RunAsync(server, prompt, options, cancellationToken).ConfigureAwait(false);
        if (options.Json)
        {
            await environment.Output.WriteLineAsync(result.ToJson().ToJsonString()).ConfigureAwait(false);
        }

        return result.ExitCode;
    }

    /// <summary>Tokens travel to this URL: https, or http on a loopback address only.</summary>
    private static Uri ResolveServer(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new CliException(ExitCodes.UsageError, "No server given: pass --server URL or set MCPSUBAGENT_SERVER.");
        }

        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
        {
            throw new CliException(ExitCodes.UsageError, $"'{value}' is not an http(s) URL.");
        }

        if (uri.Scheme == "http" && !uri.IsLoopback)
        {
            throw new CliException(ExitCodes.UsageError, $"'{value}' is plain http: tokens are only sent over https (or to a loopback address).");
        }

        return new Uri(CredentialStore.Key(uri));
    }

    /// <summary>Reports a failure with its message (and in <c>--json</c> mode as a JSON result) and returns its exit code.</summary>
    private static async Task<int> GuardAsync(CliEnvironment environment, bool json, Func<Task<int>> command)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            return await FailAsync(environment, json, ex.ExitCode, ex.Message).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            return await FailAsync(environment, json, ExitCodes.AuthError, ex.Message).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return await FailAsync(environment, json, ExitCodes.RunFailed, $"The server could not be reached: {ex.Message}").ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // The connection broke mid-answer (HttpIOException), or a file could not be read or written.
            return await FailAsync(environment, json, ExitCodes.RunFailed, ex.Message).ConfigureAwait(false);
        }
    }

    private static async Task<int> FailAsync(CliEnvironment environment, bool json, int exitCode, string message)
    {
        await environment.Error.WriteLineAsync($"Error: {message}").ConfigureAwait(false);
        if (json)
        {
            await environment.Output.WriteLineAsync(new System.Text.Json.Nodes.JsonObject { ["status"] = "failed", ["error"] = message, ["exit_code"] = exitCode }.ToJsonString()).ConfigureAwait(false);
        }

        return exitCode;
    }
}
