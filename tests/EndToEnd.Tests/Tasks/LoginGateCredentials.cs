using McpSubAgent.Completions.Credentials;

namespace McpSubAgent.EndToEnd.Tests.Tasks;

/// <summary>The engine's credential port, answering "log in first" until the test says the user has logged in.</summary>
internal sealed class LoginGateCredentials : IMcpCredentialProvider
{
    public static readonly Uri LoginUrl = new("https://login.example/connections/login/abc");

    private volatile bool _loggedIn;
    private int _requests;

    /// <summary>How often the engine asked for a credential.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public void LogIn() => _loggedIn = true;

    public ValueTask<McpCredential> GetCredentialAsync(McpCredentialRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        return ValueTask.FromResult(_loggedIn ? McpCredential.Anonymous : new McpCredential.LoginRequired(LoginUrl));
    }
}
