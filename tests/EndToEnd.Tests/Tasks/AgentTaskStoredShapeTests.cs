using System.Globalization;
using System.Text.Json.Nodes;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.EndToEnd.Tests.OpenAIApi;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.Tasks;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>
/// Every task stores one shape (a serialized run request); rows the previous version wrote, in either of its two shapes
/// and in the middle of a run, still run after the upgrade.
/// </summary>
public sealed class AgentTaskStoredShapeTests
{
    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.PostgreSql)]
    public async Task RowsOfThePreviousVersion_MidRun_ResumeAfterTheUpgrade_WithoutRepeatingFinishedCalls(string provider)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var llm = await ScriptedLlmServer.StartAsync(cancellationToken);
        await using var downstream = await TestMcpServer.StartAsync(null, cancellationToken);
        var server = downstream.Endpoint.AbsoluteUri;
        var database = await TestDatabase.CreateAsync(provider);

        // The previous version's schema, with a start_agent_task row (tool parameters in ParametersJson) and a background
        // chat completion (its chat-completions body, whose first message names the server in front matter), each with
        // one finished round.
        await using (var db = Context(database))
        {
            var migrations = db.Database.GetMigrations().ToList();
            var previous = migrations[migrations.FindIndex(m => m.EndsWith("_Issue17TaskShape", StringComparison.Ordinal)) - 1];
            await db.GetService<IMigrator>().MigrateAsync(previous, cancellationToken);

            // As the previous version wrote them.
            var parameters = new JsonObject
            {
                ["prompt"] = "Old task.",
                ["mcpServers"] = new JsonArray(server),
                ["allowedTools"] = new JsonArray(),
                ["model"] = null,
                ["instructions"] = null,
                ["maxRounds"] = 5,
                ["profile"] = null,
            }.ToJsonString();
            await InsertAsync(db, provider, "old-parameters-task", parameters, null,
                Transcript(new JsonObject { ["role"] = "user", ["content"] = "Old task." }));

            var frontMatter = $"---\nmcp: {server}\n---\nOld completion.";
            var body = new JsonObject
            {
                ["request"] = new JsonObject
                {
                    ["model"] = "fake-model",
                    ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = frontMatter }),
                    ["mcp_output"] = "text",
                },
                ["login_needs_end_user"] = false,
            };
            await InsertAsync(db, provider, "old-request-task", "{}", body.ToJsonString(),
                Transcript(new JsonObject { ["role"] = "user", ["content"] = frontMatter }));
        }

        llm.Responder = request => (string?)request.Messages[^1]?["role"] == "tool"
            ? LlmReply.Text("finished " + request.Messages[0]?["content"])
            : LlmReply.Text("the finished round was asked again");
        await using var host = await SubAgentHost.StartAsync(database, new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = "sk-upstream-test",
            ["Completions:DefaultModel"] = "fake-model",
            ["Tasks:PollInterval"] = "00:00:00.100",
        });

        var fromParameters = await TaskTestHost.WaitForPageStatusAsync(host, "old-parameters-task", "completed", TimeSpan.FromSeconds(20));
        var fromRequest = await TaskTestHost.WaitForPageStatusAsync(host, "old-request-task", "completed", TimeSpan.FromSeconds(20));

        Assert.Contains("finished Old task.", (string)fromParameters["output"]!, StringComparison.Ordinal);

        // The front matter stays out of what the model sees; the server it named is still offered.
        Assert.Contains("finished Old completion.", (string)fromRequest["output"]!, StringComparison.Ordinal);
        Assert.Equal(0, downstream.CallCount("echo"));
        Assert.Equal(2, llm.RequestCount);
        Assert.All(llm.Requests, r => Assert.Contains(TaskTestHost.EchoTool, r.ToolNames));
        Assert.All(llm.Requests, r => Assert.Equal("echo: round one", (string?)r.Messages[^1]?["content"]));

        // Both rows now hold the one shape's document or one it reads.
        await using var after = Context(database);
        var rows = await after.AgentTasks.AsNoTracking().ToListAsync(cancellationToken);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Contains(JsonNode.Parse(r.RequestJson)!.AsObject(), p => p.Key is "run" or "parameters" or "request");
            Assert.Contains(server, r.RequestJson, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task StoredRun_OfABackgroundCompletion_KeepsWhatWasAsked_AndTheWorkerRunsWithIt()
    {
        await using var h = await OpenAIApiHarness.StartAsync();
        var token = await h.SignInAsync("stored-shape@example.com");
        h.Llm.Responder = request => (string?)request.Messages[^1]?["role"] == "tool"
            ? LlmReply.Text("Done.")
            : LlmReply.ToolCalls(new LlmToolCall("call_1", request.ToolNames.Single(n => n.EndsWith("_echo", StringComparison.Ordinal)), """{"text":"hi"}"""));
        var requireApproval = JsonNode.Parse("""{"always": {"tool_names": ["add"]}, "never": {"tool_names": ["echo"]}}""");
        var body = new JsonObject
        {
            ["model"] = "fake-model",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi." }),
            ["tools"] = new JsonArray(new JsonObject
            {
                ["type"] = "mcp",
                ["server_url"] = h.Downstream.Endpoint.AbsoluteUri,
                ["server_label"] = "docs",
                ["allowed_tools"] = new JsonArray("echo", "add"),
                ["require_approval"] = requireApproval!.DeepClone(),
            }),
            ["temperature"] = 0.5,
            ["mcp_output"] = "text",
            ["max_rounds"] = 7,
            ["mcp_wait_for_login"] = 30,
            ["mcp_wait_for_approval"] = 40,
            ["background"] = true,
        };

        using var created = await h.PostAsync(token, body);
        var started = await OpenAIApiHarness.JsonAsync(created);
        var done = await BackgroundCompletionTests.WaitForStatusAsync((string)started["json_url"]!, "completed");

        // The worker ran it as asked: the same model and upstream fields, only the allowed tools, text output.
        Assert.Equal("Done.", ((string)done["output"]!).Trim());
        Assert.Equal("echo: hi", (string?)h.Llm.Requests[1].Messages[^1]?["content"]);
        Assert.Equal(2, h.Llm.RequestCount);
        Assert.All(h.Llm.Requests, r => Assert.Equal(("fake-model", 0.5), (r.Model, (double?)r.Body["temperature"])));
        Assert.All(h.Llm.Requests, r => Assert.Equal(["add", "echo"], r.ToolNames.Select(n => n[(n.LastIndexOf('_') + 1)..]).Order(StringComparer.Ordinal)));
        Assert.Equal(1, h.Downstream.CallCount("echo"));

        // And the one stored shape holds every field of the request, to run it the same after a restart.
        await using var scope = h.Host.Services.CreateAsyncScope();
        var task = await scope.ServiceProvider.GetRequiredService<AppDbContext>().AgentTasks.AsNoTracking()
            .SingleAsync(t => t.Id == (string)started["id"]!, TestContext.Current.CancellationToken);
        var stored = JsonNode.Parse(task.RequestJson)!;
        var run = stored["run"]!;
        Assert.Equal("chat_completion", (string?)stored["surface"]);
        Assert.Equal(("Hi.", "fake-model", "text", 7), ((string?)run["messages"]![0]!["content"], (string?)run["model"], (string?)run["output_mode"], (int?)run["max_rounds"]));
        Assert.Equal(0.5, (double?)run["upstream_fields"]!["temperature"]);
        var server = run["mcp_servers"]![0]!;
        Assert.Equal((h.Downstream.Endpoint.AbsoluteUri, "docs"), ((string?)server["server_url"], (string?)server["server_label"]));
        Assert.Equal(["add", "echo"], server["allowed_tools"]!.AsArray().Select(t => (string)t!).Order(StringComparer.Ordinal));
        Assert.Equal("add", (string?)server["require_approval"]!["always"]!["tool_names"]!.AsArray().Single());
        Assert.Equal("echo", (string?)server["require_approval"]!["never"]!["tool_names"]!.AsArray().Single());

        // A task waits for a login or an approval in its own statuses, not in the run: the request's waits are not kept.
        Assert.Equal((null, null), ((double?)run["wait_for_login_seconds"], (double?)run["wait_for_approval_seconds"]));
    }

    [Fact]
    public async Task StoredRun_OfALaterVersion_Runs_AndNoneOfTheShapes_FailsTheTaskAsAnInputError()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var llm = await ScriptedLlmServer.StartAsync(cancellationToken);
        llm.Responder = request => LlmReply.Text("answered " + request.Messages[^1]?["content"]);
        var database = TestDatabase.SqliteFile();

        // A later version's row (fields this one does not know, in the run and around it, and none it may leave out), and
        // two that are no shape.
        var newer = new JsonObject
        {
            ["surface"] = "agent_task",
            ["run"] = new JsonObject
            {
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi." }),
                ["reasoning_budget"] = new JsonObject { ["tokens"] = 100 },
            },
            ["retries"] = 2,
        };
        await using (var db = Context(database))
        {
            await db.Database.MigrateAsync(cancellationToken);
            db.AgentTasks.AddRange(Queued("newer-task", newer.ToJsonString()), Queued("no-shape", "{}"), Queued("bad-request", """{"request":{"messages":[]}}"""));
            await db.SaveChangesAsync(cancellationToken);
        }

        await using var host = await SubAgentHost.StartAsync(database, new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = llm.BaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = "sk-upstream-test",
            ["Completions:DefaultModel"] = "fake-model",
            ["Tasks:PollInterval"] = "00:00:00.100",
        });

        var ran = await TaskTestHost.WaitForPageStatusAsync(host, "newer-task", "completed", TimeSpan.FromSeconds(20));
        Assert.Contains("answered Hi.", (string)ran["output"]!, StringComparison.Ordinal);
        foreach (var id in new[] { "no-shape", "bad-request" })
        {
            var failed = await TaskTestHost.WaitForPageStatusAsync(host, id, "failed", TimeSpan.FromSeconds(20));
            Assert.Equal("failed", (string?)failed["status"]);

            // An input error, said as such: not the message of a bug in the server.
            var error = (string?)failed["error"];
            Assert.False(string.IsNullOrWhiteSpace(error));
            Assert.DoesNotContain("error in the server", error, StringComparison.Ordinal);
        }

        Assert.Equal(1, llm.RequestCount);
    }

    private static AgentTask Queued(string id, string requestJson) => new()
    {
        Id = id,
        OwnerKey = "stored-shape-owner",
        RequestJson = requestJson,
        Status = AgentTaskStatus.Queued,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>A finished round: the model called echo, and its result came back.</summary>
    private static JsonArray Transcript(JsonObject first) =>
    [
        first,
        new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = null,
            ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = "call_1",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = TaskTestHost.EchoTool, ["arguments"] = """{"text":"round one"}""" },
            }),
        },
        new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_1", ["content"] = "echo: round one" },
    ];

    private static AppDbContext Context(TestDatabase database) => database.Provider == TestDatabase.Sqlite
        ? new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(database.ConnectionString).UseOpenIddict().Options)
        : new PostgreSqlAppDbContext(new DbContextOptionsBuilder<PostgreSqlAppDbContext>().UseNpgsql(database.ConnectionString).UseOpenIddict().Options);

    private static async Task InsertAsync(AppDbContext db, string provider, string id, string parametersJson, string? requestJson, JsonArray transcript)
    {
        var now = DateTimeOffset.UtcNow;
        object at = provider == TestDatabase.Sqlite ? now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture) : now;
        await db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO "AgentTasks" ("Id", "OwnerKey", "ParametersJson", "RequestJson", "Status", "Store", "TranscriptJson", "RoundsDone",
                "Output", "PromptTokens", "CompletionTokens", "TotalTokens", "CreatedAt", "UpdatedAt")
            VALUES ({0}, 'legacy-owner', {1}, {2}, 'queued', TRUE, {3}, 1, '', 0, 0, 0, {4}, {4})
            """,
            [id, parametersJson, requestJson ?? "", transcript.ToJsonString(), at], TestContext.Current.CancellationToken);
        if (requestJson is null)
        {
            // A start_agent_task row had no request.
            await db.Database.ExecuteSqlRawAsync("""UPDATE "AgentTasks" SET "RequestJson" = NULL WHERE "Id" = {0}""", [id], TestContext.Current.CancellationToken);
        }
    }
}
