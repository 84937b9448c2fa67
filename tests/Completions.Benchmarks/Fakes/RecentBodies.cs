using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Benchmarks.Fakes;

/// <summary>
/// The last few request bodies a replaying fake received, so that a scenario can check what the engine sent upstream,
/// without keeping every request (the scripted fake keeps them all, which grows the heap by hundreds of MB in a run).
/// </summary>
internal sealed class RecentBodies
{
    private const int Kept = 8;
    private readonly Lock _gate = new();
    private readonly Queue<byte[]> _bodies = new();
    private int _count;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public void Add(byte[] body)
    {
        lock (_gate)
        {
            _count++;
            _bodies.Enqueue(body);
            if (_bodies.Count > Kept)
            {
                _bodies.Dequeue();
            }
        }
    }

    /// <summary>The bodies from number <paramref name="first"/> (0-based) on.</summary>
    public IReadOnlyList<JsonObject> From(int first)
    {
        lock (_gate)
        {
            var skip = first - (_count - _bodies.Count);
            if (skip < 0)
            {
                throw new InvalidOperationException($"Only the last {Kept} request bodies are kept.");
            }

            return [.. _bodies.Skip(skip).Select(b => (JsonObject)JsonNode.Parse(b)!)];
        }
    }
}
