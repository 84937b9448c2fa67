namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// The connection a run uses for one server, shared by all of that server's tools: when a call is refused and the
/// credential is renewed, the new connection serves the rest of the run.
/// </summary>
internal sealed class McpServerSession(McpConnection connection)
{
    private volatile McpConnection _connection = connection;

    public McpConnection Connection => _connection;

    public void Replace(McpConnection connection) => _connection = connection;
}
