using System.Collections.Concurrent;
using McpSubAgent.Completions.Credentials;

namespace McpSubAgent.EndToEnd.Tests.OpenAIApi;

/// <summary>
/// The engine's credential port as a login broker answers it (the broker is not on this branch yet): a login link per
/// user key until that user key has logged in. Records the user keys it was asked for.
/// </summary>
internal sealed class UserKeyLoginGate : IMcpCredentialProvider
{
    private readonly ConcurrentDictionary<string, bool> _loggedIn = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _asked = new();

    public IReadOnlyList<string> AskedUserKeys => [.. _asked];

    public static Uri LoginUrl(string userKey) => new($"https://login.example/connections/login/{Uri.EscapeDataString(userKey)}");

    public void LogIn(string userKey) => _loggedIn[userKey] = true;

    public ValueTask<McpCredential> GetCredentialAsync(McpCredentialRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        _asked.Enqueue(request.UserKey);
        return ValueTask.FromResult(_loggedIn.ContainsKey(request.UserKey) ? McpCredential.Anonymous : new McpCredential.LoginRequired(LoginUrl(request.UserKey)));
    }
}
