using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace McpSubAgent.SubAgentServer.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class AddToolApprovals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ToolApprovals",
                columns: table => new
                {
                    Id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    UserKey = table.Column<string>(type: "nvarchar(450)", maxLength: 450, nullable: false),
                    ServerUrl = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    ToolName = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    Arguments = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    ArgumentsDigest = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    CallId = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    RoundMessage = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    ExpiresAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Approved = table.Column<bool>(type: "bit", nullable: true),
                    Used = table.Column<bool>(type: "bit", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ToolApprovals", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ToolApprovals_ExpiresAt",
                table: "ToolApprovals",
                column: "ExpiresAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ToolApprovals");
        }
    }
}
