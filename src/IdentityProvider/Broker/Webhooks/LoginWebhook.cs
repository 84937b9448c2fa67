using System.Text.Json;
using McpSubAgent.IdentityProvider.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace McpSubAgent.IdentityProvider.Broker.Webhooks;

/// <summary>
/// Tells an app that one of its users must log in (<c>Broker:LoginWebhook</c>), so that it can pass the link on by mail
/// or chat; queued, signed and retried as every <see cref="SignedWebhook"/>.
/// </summary>
internal sealed class LoginWebhook(
    IHttpClientFactory httpClientFactory,
    IOptions<BrokerOptions> options,
    TimeProvider timeProvider,
    ILogger<LoginWebhook> logger) : SignedWebhook(httpClientFactory, HttpClientName, timeProvider, logger)
{
    public const string HttpClientName = "McpSubAgent.Broker.Webhook";

    protected override Uri? Url => options.Value.LoginWebhook.Url;

    protected override string? Secret => options.Value.LoginWebhook.Secret;

    public void Enqueue(string user, Uri serverUrl, Uri loginUrl)
    {
        if (!IsOn)
        {
            return;
        }

        var message = $"Log in to {serverUrl.Host} so that your agent can use its tools: {loginUrl.AbsoluteUri}";
        Enqueue(JsonSerializer.SerializeToUtf8Bytes(
            new LoginWebhookPayload(user, serverUrl.AbsoluteUri, loginUrl.AbsoluteUri, message), BrokerJsonContext.Default.LoginWebhookPayload));
    }
}
