using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace McpSubAgent.Completions.Benchmarks.Measurement;

/// <summary>
/// Counts the TCP connections Kestrel accepts, per local port, from its <c>kestrel.active_connections</c> metric
/// (each +1 is a new connection). Shows whether the clients really reuse pooled connections.
/// </summary>
internal sealed class ConnectionCounter : IDisposable
{
    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    private const string ActiveConnections = "kestrel.active_connections";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<int, long> _accepted = new();

    public ConnectionCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == KestrelMeter && instrument.Name == ActiveConnections)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Connections accepted so far on <paramref name="port"/>.</summary>
    public long Accepted(int port) => _accepted.TryGetValue(port, out var count) ? count : 0;

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (measurement <= 0)
        {
            return;
        }

        foreach (var (key, value) in tags)
        {
            if (key == "server.port" && value is int port)
            {
                _accepted.AddOrUpdate(port, measurement, (_, count) => count + measurement);
                return;
            }
        }
    }
}
