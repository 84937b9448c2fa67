using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpSubAgent.Cli.Auth;

/// <summary>
/// Signs in where no browser is at hand, with the device authorization flow (RFC 8628): the CLI asks the identity
/// provider for a user code, the person enters it at the verification page on any device, and the CLI polls the token
/// endpoint (every <c>interval</c> seconds, 5 more after each <c>slow_down</c>) until the person allowed or denied it or
/// the code expired.
/// </summary>
internal sealed class DeviceSignIn(HttpClient http, CliEnvironment environment)
{
    /// <summary>RFC 8628 §3.2: the wait between polls when the server names none.</summary>
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>RFC 8628 §3.5: how much longer to wait after each slow_down.</summary>
    private static readonly TimeSpan SlowDownStep = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(1);

    /// <summary>The longest a device code is waited for, whatever the server says (bounds the polling loop).</summary>
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(1);

    public async Task<ServerCredentials> SignInAsync(Uri server, ServerCredentials? previous, bool openBrowser, CancellationToken cancellationToken)
    {
        var metadata = await AuthServerMetadata.DiscoverAsync(http, server, cancellationToken).ConfigureAwait(false);
        var endpoint = metadata.DeviceAuthorizationEndpoint
            ?? throw new CliException(ExitCodes.AuthError, "The server's identity provider does not offer the device flow: sign in with 'mcpsubagent login' (browser) instead.");
        var client = await new ClientRegistrar(http).ClientAsync(metadata, previous, TokenClient.DeviceCodeGrantType, cancellationToken).ConfigureAwait(false);
        var authorization = await AuthorizeDeviceAsync(endpoint, client, new Uri(server, "mcp"), cancellationToken).ConfigureAwait(false);

        await environment.Error.WriteLineAsync($"To sign in, open {authorization.VerificationUri.AbsoluteUri} and enter the code {authorization.UserCode}").ConfigureAwait(false);
        if (authorization.VerificationUriComplete is { } complete)
        {
            await environment.Error.WriteLineAsync($"or open: {complete.AbsoluteUri}").ConfigureAwait(false);
        }

        if (openBrowser)
        {
            await environment.TryOpenBrowserAsync(authorization.VerificationUriComplete ?? authorization.VerificationUri, cancellationToken).ConfigureAwait(false);
        }

        var lifetime = authorization.ExpiresIn < TimeSpan.FromMinutes(1)
            ? $"{authorization.ExpiresIn.TotalSeconds:0} s"
            : $"{authorization.ExpiresIn.TotalMinutes:0.#} min";
        await environment.Error.WriteLineAsync($"Waiting for the sign-in (the code expires in {lifetime})...").ConfigureAwait(false);
        var time = environment.TimeProvider;

        // The server says when the code expired (expires_in is rounded down); the CLI gives up by itself one poll later.
        var deadline = time.GetUtcNow() + authorization.ExpiresIn + authorization.Interval;
        var interval = authorization.Interval;
        var tokens = new TokenClient(http, time);
        while (true)
        {
            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
            var response = await tokens.PollDeviceCodeAsync(client, authorization.DeviceCode, cancellationToken).ConfigureAwait(false);
            if (response.Tokens is { } signedIn)
            {
                return signedIn;
            }

            switch (response.Error)
            {
                case "authorization_pending":
                    break;

                // Our identity provider's throttle answers 429 temporarily_unavailable: polling slower is the cure too.
                case "slow_down" or "temporarily_unavailable":
                    interval = Min(interval + SlowDownStep, MaxInterval);
                    break;
                case "access_denied":
                    throw new CliException(ExitCodes.AuthError, "The sign-in was denied on the verification page.");
                case "expired_token":
                    throw new CliException(ExitCodes.AuthError, "The code expired before the sign-in was allowed: run 'mcpsubagent login --device' again.");
                default:
                    throw new CliException(ExitCodes.AuthError, $"The sign-in server refused the device sign-in ({response.Description ?? response.Error}).");
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new CliException(ExitCodes.AuthError, $"Nobody allowed the sign-in within the code's lifetime ({lifetime}): run 'mcpsubagent login --device' again.");
            }
        }
    }

    private async Task<DeviceAuthorization> AuthorizeDeviceAsync(Uri endpoint, ServerCredentials client, Uri resource, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = client.ClientId,
            ["scope"] = "mcp offline_access",
            ["resource"] = resource.AbsoluteUri,
        });
        using var response = await http.PostAsync(endpoint, content, cancellationToken).ConfigureAwait(false);
        JsonObject? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            body = null;
        }

        if (!response.IsSuccessStatusCode
            || (string?)body?["device_code"] is not { Length: > 0 } deviceCode
            || (string?)body["user_code"] is not { Length: > 0 } userCode
            || !Uri.TryCreate((string?)body["verification_uri"], UriKind.Absolute, out var verificationUri)
            || verificationUri.Scheme is not ("http" or "https"))
        {
            var error = (string?)body?["error_description"] ?? (string?)body?["error"] ?? $"HTTP {(int)response.StatusCode}";
            throw new CliException(ExitCodes.AuthError, $"The sign-in server refused the device sign-in ({error}).");
        }

        var complete = Uri.TryCreate((string?)body["verification_uri_complete"], UriKind.Absolute, out var uri) && uri.Scheme == verificationUri.Scheme ? uri : null;
        var expiresIn = Seconds(body["expires_in"]) is { } e && e > TimeSpan.Zero ? Min(e, MaxLifetime) : MaxLifetime;
        var interval = Seconds(body["interval"]) is { } i && i > TimeSpan.Zero ? Min(i, MaxInterval) : DefaultInterval;
        return new DeviceAuthorization(deviceCode, userCode, verificationUri, complete, expiresIn, interval);
    }

    private static TimeSpan? Seconds(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue(out int seconds) ? TimeSpan.FromSeconds(seconds) : null;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed record DeviceAuthorization(string DeviceCode, string UserCode, Uri VerificationUri, Uri? VerificationUriComplete, TimeSpan ExpiresIn, TimeSpan Interval);
}
