namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>
/// One claim of a worker: the times it compares leases and login retries with, and the fair order of the candidates
/// (round-robin over owners, each owner's in the order they were started, none beyond its share of the worker).
/// </summary>
internal sealed class AgentTaskClaim(
    DateTimeOffset now, DateTimeOffset authDue, DateTimeOffset expires, int perUser, IReadOnlyDictionary<string, int> runningByOwner)
{
    private readonly Dictionary<string, int> _running = new(runningByOwner, StringComparer.Ordinal);

    public DateTimeOffset Now => now;

    /// <summary>Tasks waiting for a login last tried at or before this are due again.</summary>
    public DateTimeOffset AuthDue => authDue;

    /// <summary>The lease of the claimed tasks.</summary>
    public DateTimeOffset Expires => expires;

    /// <summary>Owners that already use their whole share of the worker.</summary>
    public List<string> FullOwners { get; } = [.. runningByOwner.Where(r => r.Value >= perUser).Select(r => r.Key)];

    public bool HasRoom(string owner) => _running.GetValueOrDefault(owner) < perUser;

    public void Claimed(string owner) => _running[owner] = _running.GetValueOrDefault(owner) + 1;

    /// <summary>The candidates (oldest first) in turns: every owner's oldest, then every owner's second-oldest, …</summary>
    public static IEnumerable<(string Id, string Owner)> InTurn(IEnumerable<(string Id, string Owner)> oldestFirst)
    {
        var turns = new Dictionary<string, int>(StringComparer.Ordinal);
        return oldestFirst
            .Select((t, i) => (t.Id, t.Owner, Turn: turns[t.Owner] = turns.GetValueOrDefault(t.Owner) + 1, Order: i))
            .OrderBy(t => t.Turn).ThenBy(t => t.Order)
            .Select(t => (t.Id, t.Owner))
            .ToList();
    }

    /// <summary>Up to <paramref name="count"/> of the candidates, in turns and within each owner's share.</summary>
    public List<string> Choose(IEnumerable<(string Id, string Owner)> oldestFirst, int count)
    {
        var chosen = new List<string>();
        foreach (var (id, owner) in InTurn(oldestFirst))
        {
            if (chosen.Count == count)
            {
                break;
            }

            if (HasRoom(owner))
            {
                chosen.Add(id);
                Claimed(owner);
            }
        }

        return chosen;
    }
}
