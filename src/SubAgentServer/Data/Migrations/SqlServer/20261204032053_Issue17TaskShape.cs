using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace McpSubAgent.SubAgentServer.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class Issue17TaskShape : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // One stored shape for every task: a task of start_agent_task kept its tool parameters in ParametersJson (with
            // RequestJson null); they move into RequestJson as {"parameters": ...}, which AgentTaskRun.Read still runs.
            migrationBuilder.Sql("""
                UPDATE [AgentTasks] SET [RequestJson] = N'{"parameters":' + [ParametersJson] + N'}' WHERE [RequestJson] IS NULL;
                """);

            migrationBuilder.DropColumn(
                name: "ParametersJson",
                table: "AgentTasks");

            migrationBuilder.AlterColumn<string>(
                name: "RequestJson",
                table: "AgentTasks",
                type: "nvarchar(max)",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "nvarchar(max)",
                oldNullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "RequestJson",
                table: "AgentTasks",
                type: "nvarchar(max)",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "nvarchar(max)");

            migrationBuilder.AddColumn<string>(
                name: "ParametersJson",
                table: "AgentTasks",
                type: "nvarchar(max)",
                nullable: false,
                defaultValue: "");
        }
    }
}
