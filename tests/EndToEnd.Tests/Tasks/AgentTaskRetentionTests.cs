using System.Net;
using McpSubAgent.Testing.Llm;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

public sealed class AgentTaskRetentionTests
{
    [Fact]
    public async Task StoreFalse_IsDeletedADayAfterItEnded_StoreTrueIsKept()
    {
        var clock = new ShiftedTimeProvider();
        await using var harness = await TaskTestHost.StartAsync(
            new Dictionary<string, string?> { ["Tasks:CleanupInterval"] = "00:00:00.200" },
            services => services.AddSingleton<TimeProvider>(clock));
        var client = await harness.SignInAsync("tasks-retention@example.com");
        harness.Llm.Responder = _ => LlmReply.Text("done");
        var ephemeral = await harness.StartTaskAsync(client, "forget me", store: false);
        var kept = await harness.StartTaskAsync(client, "keep me", store: true);
        await TaskTestHost.WaitForStatusAsync(client, ephemeral.GetProperty("task_id").GetString()!, "completed");
        await TaskTestHost.WaitForStatusAsync(client, kept.GetProperty("task_id").GetString()!, "completed");
        using var http = new HttpClient();
        var ct = TestContext.Current.CancellationToken;

        // Another one not stored, which ends 23 hours later: still within its day when the first is past it.
        clock.Advance(TimeSpan.FromHours(23));
        var younger = await harness.StartTaskAsync(client, "forget me later", store: false);
        await TaskTestHost.WaitForStatusAsync(client, younger.GetProperty("task_id").GetString()!, "completed");

        // Past the first one's day, the worker's own sweep deletes it.
        clock.Advance(TimeSpan.FromHours(1.5));
        var deadline = DateTimeOffset.UtcNow.AddSeconds(5);
        HttpStatusCode status;
        do
        {
            await Task.Delay(100, ct);
            using var response = await http.GetAsync(ephemeral.GetProperty("json_url").GetString(), ct);
            status = response.StatusCode;
        }
        while (status == HttpStatusCode.OK && DateTimeOffset.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.NotFound, status);
        using var stored = await http.GetAsync(kept.GetProperty("json_url").GetString(), ct);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);

        // The sweep that deleted it kept the one within its day.
        using var early = await http.GetAsync(younger.GetProperty("json_url").GetString(), ct);
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
    }
}
