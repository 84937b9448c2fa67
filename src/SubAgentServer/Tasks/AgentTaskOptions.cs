using System.ComponentModel.DataAnnotations;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>The background worker of agent tasks (configuration section <c>Tasks</c>).</summary>
internal sealed class AgentTaskOptions
{
    public const string SectionName = "Tasks";

    /// <summary>How many tasks one process runs at once.</summary>
    [Range(1, 10_000)]
    public int WorkerConcurrency { get; set; } = 4;

    /// <summary>
    /// The largest share of this process's workers that one user's tasks may hold (at least one worker each): with the
    /// default 0.75 of 4 workers, one user runs 3 tasks at once and a fourth stays free for everybody else. 1 turns the
    /// limit off. Each replica applies it to its own workers, so it holds across replicas too.
    /// </summary>
    [Range(0.01, 1.0)]
    public double MaxWorkerSharePerUser { get; set; } = 0.75;

    /// <summary>How many tasks one user may have queued, running or waiting for a login at once; one more is refused.</summary>
    [Range(1, 1_000_000)]
    public int MaxPendingTasksPerUser { get; set; } = 100;

    /// <summary>How many workers one user's tasks may hold in this process.</summary>
    internal int WorkersPerUser => Math.Max(1, (int)Math.Floor(MaxWorkerSharePerUser * WorkerConcurrency));

    /// <summary>How long a claimed task stays with its worker without a renewal; renewed every third of it while running.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the worker looks for queued tasks and checks its running tasks for cancellation.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long tasks started with <c>store: false</c> are kept after they end.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan RetentionWhenNotStored { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often expired tasks are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a task waiting for a login tries again (it resumes by itself once the user has logged in).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AuthRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long after its start a task may wait for a login before it fails.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan AuthRequiredTimeout { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a task may wait in <c>input_required</c> for its owner to approve or deny its held tool calls before it
    /// fails; the approvals of a task's calls live as long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan MaxApprovalWait { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The poll interval suggested to clients (<c>poll_interval_ms</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ClientPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether a replica that shuts down gives its running tasks back at once (another replica resumes them on its next
    /// poll). Off, their leases run out first, as after a crash: for failover drills.
    /// </summary>
    public bool ReleaseLeasesOnShutdown { get; set; } = true;
}
