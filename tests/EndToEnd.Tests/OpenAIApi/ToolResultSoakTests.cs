using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>Runs alone: it measures the process's memory, which tests running beside it would disturb.</summary>
[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

/// <summary>Floods of tool results cost the server at most the result size limit each, and nothing after the runs.</summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class ToolResultSoakTests
{
    private const int Runs = 200;
    private const int AtOnce = 8;
    private const long MegaByte = 1024 * 1024;

    [Fact]
    public async Task TwoHundredRunsWith50MBResults_EightAtATime_MemoryStaysWithin300MB()
    {
        await using var flood = await FloodingMcpServer.StartAsync(TestContext.Current.CancellationToken);
        await using var h = await OpenAIApiHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Completions:MaxConcurrentRunsPerUser"] = AtOnce.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OpenAIApi:ConcurrentRuns"] = AtOnce.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OpenAIApi:RequestsPerWindow"] = "1000",
        });
        var token = await h.SignInAsync("soak@example.com");
        h.Llm.Responder = r => r.Messages[^1]?["role"]?.ToString() == "tool"
            ? LlmReply.Text(((string?)r.Messages[^1]!["content"])!.Contains("larger than the limit", StringComparison.Ordinal) ? "cut" : "whole")
            : LlmReply.ToolCalls(new LlmToolCall("c1", "mcp_127-0-0-1_flood", """{"megabytes":50}"""));
        JsonObject Body() => new()
        {
            ["model"] = "fake-model",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "flood me" }),
            ["tools"] = new JsonArray(new JsonObject { ["type"] = "mcp", ["server_url"] = flood.Endpoint.AbsoluteUri }),
        };

        async Task RunBatchAsync(int count)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
            {
                using var response = await h.PostAsync(token, Body());
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return (string)(await OpenAIApiHarness.JsonAsync(response))["choices"]![0]!["message"]!["content"]!;
            }));
            Assert.All(answers, a => Assert.EndsWith("cut", a, StringComparison.Ordinal));
        }

        // Warm up (connections, JIT, caches), then measure from a settled heap.
        await RunBatchAsync(AtOnce);
        var before = SettledWorkingSet();

        for (var done = 0; done < Runs; done += AtOnce)
        {
            await RunBatchAsync(AtOnce);
        }

        var after = SettledWorkingSet();
        Assert.Equal(Runs + AtOnce, flood.CallCount);
        Assert.True(after - before < 300 * MegaByte, $"working set grew by {(after - before) / MegaByte} MB ({before / MegaByte} → {after / MegaByte} MB)");
    }

    private static long SettledWorkingSet()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
