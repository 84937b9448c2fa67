using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>
/// Keeps the host's Error and Critical log entries (Kestrel's and ASP.NET Core's): an exception no code handled shows
/// up there with its stack, even when the client saw something else. Libraries' own error logs of a client's mistake
/// (the MCP SDK's "unknown tool") are not kept. Another category prefix keeps that library's errors instead.
/// </summary>
internal sealed class ErrorLogCollector(string categoryPrefix = "Microsoft.AspNetCore.") : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    public void Clear() => _entries.Clear();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, categoryPrefix, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, string categoryPrefix, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error && category.StartsWith(categoryPrefix, StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
