using McpSubAgent.EndToEnd.Tests.Infrastructure;

namespace McpSubAgent.EndToEnd.Tests.ChatPage;

/// <summary>The chat page API's tests on PostgreSQL.</summary>
public sealed class ChatPageApiOnPostgreSqlTests : ChatPageApiTests
{
    protected override string Provider => TestDatabase.PostgreSql;
}
