using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace McpSubAgent.SubAgentServer.Data.Migrations.Sqlite
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
                UPDATE "AgentTasks" SET "RequestJson" = '{"parameters":' || "ParametersJson" || '}' WHERE "RequestJson" IS NULL;
                """);

            migrationBuilder.DropColumn(
                name: "ParametersJson",
                table: "AgentTasks");

            migrationBuilder.AlterColumn<string>(
                name: "RequestJson",
                table: "AgentTasks",
                type: "TEXT",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldNullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "RequestJson",
                table: "AgentTasks",
                type: "TEXT",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT");

            migrationBuilder.AddColumn<string>(
                name: "ParametersJson",
                table: "AgentTasks",
                type: "TEXT",
                nullable: false,
                defaultValue: "");
        }
    }
}
