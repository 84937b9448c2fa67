using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace McpSubAgent.IdentityProvider.Tests.Registration;

/// <summary>Keeps the log messages of a test host so tests can check that a refusal says why.</summary>
public sealed class CollectedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _messages = new();

    public IReadOnlyCollection<string> Messages => _messages;

    public bool Contains(string text) => _messages.Any(message => message.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CollectedLogs logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs._messages.Enqueue(formatter(state, exception));
    }
}
