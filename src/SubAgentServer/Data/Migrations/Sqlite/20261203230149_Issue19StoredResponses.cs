using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace McpSubAgent.SubAgentServer.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Issue19StoredResponses : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "StoredResponses",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OwnerKey = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    PreviousResponseId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    TaskId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ResponseJson = table.Column<string>(type: "TEXT", nullable: false),
                    InputJson = table.Column<string>(type: "TEXT", nullable: false),
                    ConversationJson = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StoredResponses", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_StoredResponses_OwnerKey_CreatedAt",
                table: "StoredResponses",
                columns: new[] { "OwnerKey", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "StoredResponses");
        }
    }
}
