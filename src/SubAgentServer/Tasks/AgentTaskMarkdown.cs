using System.Globalization;
using System.Text;

namespace McpSubAgent.SubAgentServer.Tasks;

/// <summary>A task as markdown: the result page and the text content of the task tools.</summary>
internal static class AgentTaskMarkdown
{
    public static string Render(AgentTaskView task, TimeSpan? refresh = null)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Agent task: {task.Status.Replace('_', ' ')}\n\n");
        switch (task.Status)
        {
            case AgentTaskStatus.Queued:
                text.Append("_Waiting for a worker to start it._");
                break;
            case AgentTaskStatus.Working:
                text.Append(CultureInfo.InvariantCulture, $"_Still working: {task.Rounds} tool round(s) done so far._");
                break;
            case AgentTaskStatus.AuthRequired:
                text.Append("_Waiting for a login: open the links below to sign in; the task then resumes by itself._");
                break;
            case AgentTaskStatus.InputRequired:
                text.Append("_Waiting for the owner to approve or deny the tool calls below (the owner decides on the linked pages, signed in); " +
                    "the task then resumes by itself._");
                break;
        }

        if (refresh is { } every && AgentTaskStatus.IsPending(task.Status))
        {
            text.Append(CultureInfo.InvariantCulture, $" _This page refreshes every {every.TotalSeconds:0} seconds._");
        }

        if (AgentTaskStatus.IsPending(task.Status))
        {
            text.Append("\n\n");
        }

        if (task.Output.Length > 0)
        {
            text.Append(task.Output.TrimEnd()).Append("\n\n");
        }

        foreach (var link in task.LoginLinks)
        {
            text.Append(CultureInfo.InvariantCulture, $"- [Sign in to {new Uri(link.ServerUrl).Authority}]({link.Url})\n");
        }

        if (task.Status == AgentTaskStatus.AuthRequired && task.LoginLinks.Count == 0)
        {
            text.Append("The task waits for its owner to sign in to an MCP server; the owner's MCP client shows the link (get_agent_task).\n");
        }

        if (task.Status == AgentTaskStatus.Failed)
        {
            text.Append(CultureInfo.InvariantCulture, $"**The task failed**: {task.Error}\n");
        }
        else if (task.Status == AgentTaskStatus.Cancelled)
        {
            text.Append("**The task was cancelled.**\n");
        }

        return text.ToString().TrimEnd() + "\n";
    }
}
