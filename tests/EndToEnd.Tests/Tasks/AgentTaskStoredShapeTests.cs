using System.Globalization;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Requests;
using McpSubAgent.EndToEnd.Tests.Infrastructure;
using McpSubAgent.SubAgentServer.Data;
using McpSubAgent.SubAgentServer.Tasks;
using McpSubAgent.Testing.Llm;
using McpSubAgent.Testing.Mcp;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

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
            var parameters = System.Text.Json.JsonSerializer.Serialize(
                SubAgentServer.Agents.AgentParameters.FromTool("Old task.", [server], null, null, null, 5, null), AgentTaskJsonContext.Default.AgentParameters);
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
        Assert.All(rows, r => Assert.Equal(server, AgentTaskRun.Read(r.RequestJson).Run.McpServers.Single().ServerUrl));
    }

    [Fact]
    public void StoredRun_ReadBack_IsTheSameRequest()
    {
        var tool = new JsonObject
        {
            ["type"] = "mcp",
            ["server_url"] = "https://mcp.example.com/mcp",
            ["server_label"] = "docs",
            ["allowed_tools"] = new JsonArray("search", "fetch"),
            ["headers"] = new JsonObject { ["X-Team"] = "blue" },
            ["require_approval"] = JsonNode.Parse("""{"always": {"tool_names": ["delete"]}, "never": {"read_only": true}}"""),
        };
        var request = new CompletionRunRequest
        {
            Messages = [new JsonObject { ["role"] = "user", ["content"] = "Hi." }],
            McpServers = [McpServerSpec.FromToolEntry(tool, "tools[0]"), McpServerSpec.Create("https://other.example.com/mcp", "messages")],
            CallerTools = [JsonNode.Parse("""{"type":"function","function":{"name":"mine"}}""")],
            Model = "m",
            UpstreamFields = new JsonObject { ["temperature"] = 0.5 },
            OutputMode = McpOutputMode.Text,
            MaxRounds = 7,
            Profile = "work",
            WaitForLogin = TimeSpan.FromSeconds(30),
            WaitForApproval = TimeSpan.FromSeconds(40),
            McpSearch = true,
        };

        var json = AgentTaskRun.Create(AgentTaskSurface.ChatCompletion, request, loginNeedsEndUser: true).ToJson();
        var read = AgentTaskRun.Read(json);
        var back = read.ToRunRequest(read.Conversation(null));

        Assert.Equal((AgentTaskSurface.ChatCompletion, true), (read.Surface, read.LoginNeedsEndUser));
        Assert.Equal(request.Messages.ToJsonString(), back.Messages.ToJsonString());
        Assert.Equal(request.CallerTools.ToJsonString(), back.CallerTools.ToJsonString());
        Assert.Equal(request.UpstreamFields.ToJsonString(), back.UpstreamFields.ToJsonString());
        Assert.Equal((request.Model, request.OutputMode, request.MaxRounds, request.Profile, request.WaitForLogin, request.WaitForApproval, request.McpSearch),
            (back.Model, back.OutputMode, back.MaxRounds, back.Profile, back.WaitForLogin, back.WaitForApproval, back.McpSearch));
        Assert.Equal(2, back.McpServers.Count);
        var docs = back.McpServers[0];
        Assert.Equal((new Uri("https://mcp.example.com/mcp"), "docs", "blue"), (docs.ServerUrl, docs.Label, docs.Headers["x-team"]));
        Assert.Equal(["fetch", "search"], docs.AllowedTools!.Order(StringComparer.Ordinal));
        Assert.Equal(request.McpServers[0].RequireApproval.ToJson().ToJsonString(), docs.RequireApproval.ToJson().ToJsonString());
        Assert.True(docs.RequireApproval.Requires(Tool("delete", readOnly: true)));
        Assert.False(docs.RequireApproval.Requires(Tool("search", readOnly: true)));
        Assert.True(docs.RequireApproval.Requires(Tool("write", readOnly: false)));
        Assert.True(back.McpServers[1].RequireApproval.IsNever);

        // A field a later version adds is ignored here rather than failing the task.
        var newer = JsonNode.Parse(json)!.AsObject();
        newer["run"]!["url_context"] = new JsonObject { ["urls"] = new JsonArray("https://example.com") };
        newer["retries"] = 2;
        Assert.Equal("Hi.", (string?)AgentTaskRun.Read(newer.ToJsonString()).Run.Messages[0]?["content"]);
    }

    [Fact]
    public void StoredRun_NoneOfTheShapes_IsAnInputErrorThatFailsTheTask()
    {
        Assert.Throws<SubAgentServer.Agents.AgentInputException>(() => AgentTaskRun.Read("{}"));
        Assert.Throws<SubAgentServer.Agents.AgentInputException>(() => AgentTaskRun.Read("""{"request":{"messages":[]}}"""));
    }

    private static ModelContextProtocol.Protocol.Tool Tool(string name, bool readOnly) => new()
    {
        Name = name,
        InputSchema = System.Text.Json.JsonDocument.Parse("""{"type":"object"}""").RootElement,
        Annotations = new() { ReadOnlyHint = readOnly },
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
