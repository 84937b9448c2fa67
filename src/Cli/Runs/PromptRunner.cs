using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Cli.Auth;
using McpSubAgent.Cli.Prompts;

namespace McpSubAgent.Cli.Runs;

/// <summary>
/// Sends a prompt file to the server's <c>/v1/chat/completions</c> as the signed-in person, streams the answer to the
/// output (or collects it for <c>--json</c>), and shows the login links and held calls the run stopped at.
/// </summary>
internal sealed class PromptRunner(HttpClient http, AccessTokens tokens, CliEnvironment environment)
{
    /// <summary>Error bodies are read for their message only.</summary>
    private const int MaxErrorBytes = 64 * 1024;

    public async Task<RunResult> RunAsync(Uri server, PromptFile prompt, RunOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        var body = RequestBody(prompt, options);
        var endpoint = new Uri(server, "v1/chat/completions");
        var token = await tokens.GetAsync(server, forceRefresh: false, cancellationToken).ConfigureAwait(false);
        var response = await SendAsync(endpoint, body, token, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            // Revoked or expired early: one refresh, then the person has to sign in again.
            response.Dispose();
            token = await tokens.GetAsync(server, forceRefresh: true, cancellationToken).ConfigureAwait(false);
            response = await SendAsync(endpoint, body, token, cancellationToken).ConfigureAwait(false);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var message = await ErrorMessageAsync(response, cancellationToken).ConfigureAwait(false);
                throw new CliException(
                    response.StatusCode switch
                    {
                        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ExitCodes.AuthError,
                        HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity => ExitCodes.UsageError,
                        _ => ExitCodes.RunFailed,
                    },
                    $"The server answered {(int)response.StatusCode}: {message}");
            }

            var result = options.Json
                ? await ReadCompletionAsync(response, cancellationToken).ConfigureAwait(false)
                : await StreamAsync(response, cancellationToken).ConfigureAwait(false);
            await ShowActionsAsync(result, options.Open, cancellationToken).ConfigureAwait(false);
            return result;
        }
    }

    private static JsonObject RequestBody(PromptFile prompt, RunOptions options)
    {
        var body = new JsonObject
        {
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt.Message }),
            ["stream"] = !options.Json,
        };
        if ((options.Model ?? prompt.Model) is { } model)
        {
            body["model"] = model;
        }

        if ((options.Output ?? prompt.Output) is { } output)
        {
            body["mcp_output"] = output;
        }

        if (prompt.MaxRounds is { } rounds)
        {
            body["max_rounds"] = rounds;
        }

        if (!options.Json)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        return body;
    }

    private async Task<HttpResponseMessage> SendAsync(Uri endpoint, JsonObject body, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(ExitCodes.RunFailed, $"{endpoint.GetLeftPart(UriPartial.Authority)} could not be reached: {ex.Message}", ex);
        }
    }

    private async Task<RunResult> StreamAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var result = new RunResult { Status = "failed", Error = "The stream ended before the answer did." };
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (item.Data == "[DONE]")
            {
                break;
            }

            if (Parse(item.Data) is not { } chunk)
            {
                continue;
            }

            if (chunk["error"] is JsonObject error)
            {
                // OpenAI's way of failing after the stream has started.
                result.Status = "failed";
                result.Error = (string?)error["message"] ?? "The server reported an error.";
                return result;
            }

            result.Id ??= (string?)chunk["id"];
            result.Model ??= (string?)chunk["model"];
            if (chunk["choices"] is JsonArray { Count: > 0 } choices && choices[0] is JsonObject choice)
            {
                if (choice["delta"]?["content"] is JsonValue content && content.TryGetValue(out string? text) && text.Length > 0)
                {
                    result.Output.Append(text);
                    await environment.Output.WriteAsync(text).ConfigureAwait(false);
                    await environment.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                if ((string?)choice["finish_reason"] is { } finishReason)
                {
                    result.FinishReason = finishReason;
                    result.Status = "completed";
                    result.Error = null;
                }
            }

            result.TakeMcpFields(chunk);
        }

        if (result.Output.Length > 0 && result.Output[^1] != '\n')
        {
            await environment.Output.WriteLineAsync().ConfigureAwait(false);
        }

        return result;
    }

    private static async Task<RunResult> ReadCompletionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var completion = Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false))
            ?? throw new CliException(ExitCodes.RunFailed, "The server's answer was not JSON.");
        var result = new RunResult { Id = (string?)completion["id"], Model = (string?)completion["model"] };
        if (completion["choices"] is JsonArray { Count: > 0 } choices && choices[0] is JsonObject choice)
        {
            result.Output.Append((string?)choice["message"]?["content"]);
            result.FinishReason = (string?)choice["finish_reason"];
        }

        result.TakeMcpFields(completion);
        return result;
    }

    private async Task ShowActionsAsync(RunResult result, bool open, CancellationToken cancellationToken)
    {
        foreach (var link in result.LoginLinks.OfType<JsonObject>())
        {
            await ShowAsync($"Sign in to {(string?)link["server_url"]}", (string?)link["url"], open, cancellationToken).ConfigureAwait(false);
        }

        foreach (var approval in result.Approvals.OfType<JsonObject>())
        {
            await ShowAsync($"Approve or deny {(string?)approval["tool"]} on {(string?)approval["server_url"]}", (string?)approval["url"], open, cancellationToken).ConfigureAwait(false);
        }

        if (result.Status == "failed")
        {
            await environment.Error.WriteLineAsync($"Error: {result.Error}").ConfigureAwait(false);
        }
    }

    private async Task ShowAsync(string what, string? url, bool open, CancellationToken cancellationToken)
    {
        await environment.Error.WriteLineAsync($"{what}: {url}").ConfigureAwait(false);
        if (open && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            try
            {
                await environment.OpenBrowser(uri, cancellationToken).ConfigureAwait(false);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                await environment.Error.WriteLineAsync("No browser could be opened: open the link yourself.").ConfigureAwait(false);
            }
        }
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = new byte[MaxErrorBytes];
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var length = await stream.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        var text = Encoding.UTF8.GetString(bytes, 0, length);
        return (string?)Parse(text)?["error"]?["message"] ?? (text.Length > 0 ? text : response.ReasonPhrase ?? "no details");
    }

    private static JsonObject? Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
