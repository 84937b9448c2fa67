using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpSubAgent.Completions.Approvals;
using McpSubAgent.Completions.Events;
using McpSubAgent.Completions.Limits;
using McpSubAgent.Completions.Loop;
using McpSubAgent.Completions.Requests;
using McpSubAgent.Completions.Upstream;
using McpSubAgent.IdentityProvider.Hosting;
using McpSubAgent.SubAgentServer.Agents;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// Runs agent tasks in the background: claims them with a lease in the database (so replicas share one queue and never
/// run a task twice), renews the leases while they run, persists each finished round, and resumes tasks whose worker
/// died from their last persisted round.
/// </summary>
internal sealed partial class AgentTaskWorker(
    IServiceScopeFactory scopes,
    AgentRunner runner,
    IMcpApprovalStore approvals,
    PublicOrigin origin,
    AgentTaskRunRegistry registry,
    TimeProvider timeProvider,
    IOptions<AgentTaskOptions> options,
    ILogger<AgentTaskWorker> logger,
    AgentTaskMetrics metrics) : BackgroundService
{
    private readonly string _workerId = $"{Environment.MachineName}/{Environment.ProcessId}/{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
    private readonly List<Task> _runs = [];

    /// <summary>How many decided tasks one cleanup sweep queues again at most.</summary>
    private const int MaxRequeuedPerSweep = 500;

    // Taken so that the queue gauges exist as soon as the worker does.
    private readonly AgentTaskMetrics _metrics = metrics;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var leases = KeepLeasesAsync(stoppingToken);
        var cleanup = CleanUpAsync(stoppingToken);
        try
        {
            await ClaimAndRunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        // Each run gives its task back (or keeps its lease, for tests that simulate a crash) as it stops.
        Task[] running;
        lock (_runs)
        {
            running = [.. _runs];
        }

        await Task.WhenAll(running);
        await Task.WhenAll(leases, cleanup);
    }

    private async Task ClaimAndRunAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var free = settings.WorkerConcurrency - registry.Count;
            var claimedAll = false;
            if (free > 0)
            {
                try
                {
                    var running = registry.RunningByOwner();
                    var claimed = await WithStoreAsync(store => store.ClaimAsync(_workerId, free, running, stoppingToken));
                    foreach (var task in claimed)
                    {
                        Start(task, stoppingToken);
                    }

                    claimedAll = claimed.Count == free;
                }
                catch (Exception ex) when (IsStoreFailure(ex))
                {
                    // A busy or unreachable database: try again on the next poll.
                    LogClaimFailed(logger, ex);
                }
            }

            if (!claimedAll || registry.Count >= settings.WorkerConcurrency)
            {
                await registry.WaitForWorkAsync(settings.PollInterval, timeProvider, stoppingToken);
            }
        }
    }

    private void Start(AgentTask task, CancellationToken stoppingToken)
    {
        var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        registry.Add(task.Id, task.OwnerKey, run);
        var running = Task.Run(() => RunAsync(task, run, stoppingToken), CancellationToken.None);
        lock (_runs)
        {
            _runs.Add(running);
            _runs.RemoveAll(r => r.IsCompleted);
        }
    }

    private async Task RunAsync(AgentTask task, CancellationTokenSource run, CancellationToken stoppingToken)
    {
        var output = task.Output;
        var usage = new AgentUsage(task.PromptTokens, task.CompletionTokens, task.TotalTokens);
        var accumulator = new AgentRunAccumulator();
        var runUsage = new AgentUsage(0, 0, 0);
        try
        {
            LogRunning(logger, task.Id, task.RoundsDone);
            var answers = task.ApprovalsJson is { } held ? await AnswersAsync(held, run.Token) : [];
            var (transcript, events) = Events(task, answers, run.Token);
            var rounds = task.RoundsDone;

            // The round under way: the model's message with its tool calls, then each result as it comes. Stored before
            // the calls are made, so that a resumed run knows which calls may have taken effect (at most once).
            var pendingRound = new JsonArray();
            await foreach (var e in events)
            {
                accumulator.Add(e);
                if (e is ToolRoundStarting starting)
                {
                    pendingRound = [starting.AssistantMessage.DeepClone()];
                }
                else if (e is ToolCallCompleted done && pendingRound.Count > 0)
                {
                    pendingRound.Add(McpCompletionsEngine.ToolMessage(done.Call.Id, done.Result));
                }

                if (e is ToolRoundStarting or ToolCallCompleted && pendingRound.Count > 0)
                {
                    var withPending = new JsonArray([.. transcript.Select(m => m?.DeepClone()), .. pendingRound.Select(m => m?.DeepClone())]).ToJsonString();
                    var kept = await WithStoreAsync(store =>
                        store.SaveRoundAsync(_workerId, task.Id, withPending, rounds, output + accumulator.Output, Add(usage, runUsage), run.Token));
                    if (!kept)
                    {
                        LogLost(logger, task.Id);
                        return;
                    }

                    continue;
                }

                if (e is not RoundCompleted round)
                {
                    continue;
                }

                pendingRound = [];

                foreach (var message in round.AppendedMessages)
                {
                    transcript.Add(message.DeepClone());
                }

                // A round that ended because the run was stopped may hold aborted tool calls: never persist it.
                run.Token.ThrowIfCancellationRequested();
                rounds++;
                runUsage = Add(runUsage, new AgentUsage(round.Usage.PromptTokens, round.Usage.CompletionTokens, round.Usage.TotalTokens));
                var transcriptJson = transcript.ToJsonString();
                var saved = await WithStoreAsync(store =>
                    store.SaveRoundAsync(_workerId, task.Id, transcriptJson, rounds, output + accumulator.Output, Add(usage, runUsage), run.Token));
                if (!saved)
                {
                    // Cancelled, deleted, or claimed by another worker after our lease expired: stop without writing.
                    LogLost(logger, task.Id);
                    return;
                }
            }

            var result = accumulator.ToResult();

            // The login request is shown from the stored links; kept in the output it would pile up with each retry.
            var finalOutput = result.Status == RunStatus.AuthRequired ? output : output + result.Output;
            await FinishAsync(task.Id, result, finalOutput, Add(usage, result.Usage));
        }
        catch (Exception) when (run.IsCancellationRequested)
        {
            // Whatever a cancelled call threw (an OperationCanceledException, or a transport's own error), the run was stopped.
            if (stoppingToken.IsCancellationRequested && options.Value.ReleaseLeasesOnShutdown)
            {
                // Graceful shutdown: the finished rounds are persisted; another worker (or the next start) resumes.
                await ReleaseAsync(task.Id);
            }

            // Otherwise the task was cancelled (its status says so already) or lost to another worker.
        }
        catch (Exception ex) when (ex is AgentInputException or InvalidRequestException or UpstreamException or RunTimedOutException)
        {
            // A failed run has no total: its usage is that of the rounds it finished.
            var result = accumulator.ToFailure(ex.Message);
            await FinishAsync(task.Id, result, output + result.Output, Add(usage, runUsage));
        }
        catch (Exception ex)
        {
            // Anything else would make the task run again and again: fail it, and keep the details in the log.
            LogRunFailed(logger, task.Id, ex);
            var result = accumulator.ToFailure("The task failed because of an error in the server; start it again, and report it if it persists.");
            await FinishAsync(task.Id, result, output + result.Output, Add(usage, runUsage));
        }
        finally
        {
            registry.Remove(task.Id);
            run.Dispose();
            registry.WakeWorker();
        }
    }

    /// <summary>
    /// The conversation to continue and the run that continues it: every task, whichever surface started it, runs its
    /// stored run request from the transcript of its finished rounds. A task resumed after its held calls were decided
    /// gives the engine the owner's answers after the conversation (as an app answers held calls), and the engine runs
    /// exactly the approved calls once; the transcript gets the round as the engine reports it.
    /// </summary>
    private (JsonArray Transcript, IAsyncEnumerable<CompletionEvent> Events) Events(AgentTask task, IReadOnlyList<JsonObject> answers, CancellationToken cancellationToken)
    {
        var baseUri = origin.ConfiguredBaseUri ?? (task.BaseUrl is { } started ? new Uri(started) : null);
        var stored = AgentTaskRun.Read(task.RequestJson);
        var transcript = stored.Conversation(task.TranscriptJson);
        var settings = new RequestRunSettings
        {
            LoginNeedsEndUser = stored.LoginNeedsEndUser,
            IsBackground = true,
            ApprovalPages = baseUri is null ? null : new Uri(baseUri, Approvals.ApprovalPages.Path),
            ApprovalLifetime = options.Value.MaxApprovalWait,
        };
        var run = stored.ToRunRequest(WithAnswers(transcript, answers));
        return (transcript, runner.RunRequestAsync(run, task.OwnerKey, task.RoundsDone, settings, cancellationToken));
    }

    private static JsonArray WithAnswers(JsonArray transcript, IReadOnlyList<JsonObject> answers) =>
        answers.Count == 0 ? transcript : [.. transcript.Select(m => m?.DeepClone()), .. answers.Select(a => a.DeepClone())];

    /// <summary>
    /// The held calls as the model's message with their approval ids, then the owner's decision on each (a call not
    /// approved is denied); the engine checks each approval again and uses it up.
    /// </summary>
    private async Task<IReadOnlyList<JsonObject>> AnswersAsync(string approvalsJson, CancellationToken cancellationToken)
    {
        var held = JsonSerializer.Deserialize(approvalsJson, AgentTaskJsonContext.Default.ListAgentApproval) ?? [];
        if (held.Count == 0)
        {
            return [];
        }

        var decisions = new List<(string, string, string, bool)>();
        foreach (var approval in held)
        {
            var decided = await approvals.FindAsync(approval.Id, cancellationToken);
            decisions.Add((approval.Id, approval.Tool, approval.Arguments, decided?.Approved == true));
        }

        return McpCompletionsEngine.ApprovalAnswers(decisions);
    }

    private async Task FinishAsync(string id, AgentRunResult result, string output, AgentUsage usage)
    {
        try
        {
            await WithStoreAsync(store => store.FinishAsync(_workerId, id, result, output, usage, CancellationToken.None));
            LogFinished(logger, id, result.Status);
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            // The lease expires and another worker runs the task again from its last round.
            LogFinishFailed(logger, id, ex);
        }
    }

    private async Task ReleaseAsync(string id)
    {
        try
        {
            await WithStoreAsync(store => store.ReleaseAsync(_workerId, id, CancellationToken.None));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            // The lease expires instead; the task then resumes a little later.
            LogReleaseFailed(logger, id, ex);
        }
    }

    /// <summary>Renews the leases of running tasks and stops those that were cancelled or taken over meanwhile.</summary>
    private async Task KeepLeasesAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var renewEvery = settings.LeaseDuration / 3;
        var lastRenewal = timeProvider.GetTimestamp();
        using var timer = new PeriodicTimer(settings.PollInterval < renewEvery ? settings.PollInterval : renewEvery, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var ids = registry.RunningIds;
                if (ids.Count == 0)
                {
                    continue;
                }

                try
                {
                    if (timeProvider.GetElapsedTime(lastRenewal) >= renewEvery)
                    {
                        lastRenewal = timeProvider.GetTimestamp();
                        await WithStoreAsync(store => store.RenewLeasesAsync(_workerId, stoppingToken));
                    }

                    var owned = await WithStoreAsync(store => store.StillOwnedAsync(_workerId, stoppingToken));
                    foreach (var id in ids.Where(id => !owned.Contains(id)))
                    {
                        registry.Cancel(id);
                    }
                }
                catch (Exception ex) when (IsStoreFailure(ex))
                {
                    LogLeaseRenewalFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task CleanUpAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, timeProvider);
        try
        {
            do
            {
                try
                {
                    var (deleted, expired) = await WithStoreAsync(store => store.CleanUpAsync(stoppingToken));
                    if (deleted + expired > 0)
                    {
                        LogCleanedUp(logger, deleted, expired);
                    }

                    await using (var scope = scopes.CreateAsyncScope())
                    {
                        // Stored responses of /v1/responses past Responses:Retention.
                        var responses = await scope.ServiceProvider.GetRequiredService<ResponsesApi.StoredResponseRetention>().DeleteExpiredAsync(stoppingToken);
                        if (responses > 0)
                        {
                            LogResponsesDeleted(logger, responses);
                        }
                    }

                    if (await WithStoreAsync(store => store.QueueDecidedAsync(MaxRequeuedPerSweep, stoppingToken)) > 0)
                    {
                        registry.WakeWorker();
                    }
                }
                catch (Exception ex) when (IsStoreFailure(ex))
                {
                    LogCleanupFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>A busy, unreachable or failing database; anything else is a bug and stops the worker.</summary>
    private static bool IsStoreFailure(Exception exception) =>
        exception is DbException or DbUpdateException or RetryLimitExceededException or TimeoutException;

    private async Task<T> WithStoreAsync<T>(Func<AgentTaskStore, Task<T>> action)
    {
        // One short-lived context per operation: runs, lease renewals and the claim loop write concurrently.
        await using var scope = scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<AgentTaskStore>());
    }

    private static AgentUsage Add(AgentUsage a, AgentUsage b) =>
        new(a.PromptTokens + b.PromptTokens, a.CompletionTokens + b.CompletionTokens, a.TotalTokens + b.TotalTokens);
}
