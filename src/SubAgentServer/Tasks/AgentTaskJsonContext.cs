using System.Text.Json;
using System.Text.Json.Serialization;
using McpSubAgent.SubAgentServer.Agents;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>The JSON of tasks: wire types and the stored columns.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AgentTaskView))]
[JsonSerializable(typeof(AgentTaskStarted))]
[JsonSerializable(typeof(AgentTaskList))]
[JsonSerializable(typeof(AgentParameters))]
[JsonSerializable(typeof(AgentTaskRequest))]
[JsonSerializable(typeof(AgentTaskRun))]
[JsonSerializable(typeof(List<AgentLoginLink>))]
[JsonSerializable(typeof(List<AgentApproval>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class AgentTaskJsonContext : JsonSerializerContext;
