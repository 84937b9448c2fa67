using McpSubAgent.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace McpSubAgent.EndToEnd.Tests.Hosting;

public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("agents.example.com")]
    [InlineData("ftp://agents.example.com")]
    [InlineData("https://agents.example.com/?tenant=1")]
    public async Task Start_WrongPublicBaseUrl_FailsWithAClearMessage(string publicBaseUrl)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?> { ["PublicBaseUrl"] = publicBaseUrl });
        });

        var validation = Assert.IsType<OptionsValidationException>(Unwrap(error));
        Assert.Contains("PublicBaseUrl must be an absolute http or https URL", validation.Message, StringComparison.Ordinal);
        Assert.Contains(publicBaseUrl, validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WebhookUrlWithoutSecret_FailsWithAClearMessage()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await SubAgentHost.StartAsync(settings: new Dictionary<string, string?> { ["Broker:LoginWebhook:Url"] = "http://127.0.0.1:9/hook" });
        });

        var validation = Assert.IsType<OptionsValidationException>(Unwrap(error));
        Assert.Contains("Broker:LoginWebhook:Secret is required", validation.Message, StringComparison.Ordinal);
    }

    private static Exception Unwrap(Exception error)
    {
        while (error is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            error = aggregate.InnerException!;
        }

        return error;
    }
}
