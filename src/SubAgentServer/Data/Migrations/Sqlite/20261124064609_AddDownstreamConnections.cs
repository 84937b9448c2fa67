using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace McpSubAgent.SubAgentServer.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddDownstreamConnections : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DownstreamClientRegistrations",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Issuer = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    RedirectUri = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    ProtectedClient = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DownstreamClientRegistrations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DownstreamConnections",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    UserKey = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Profile = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ServerUrl = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    AuthorizationJson = table.Column<string>(type: "TEXT", nullable: false),
                    ProtectedClient = table.Column<string>(type: "TEXT", nullable: false),
                    ProtectedTokens = table.Column<string>(type: "TEXT", nullable: true),
                    Scope = table.Column<string>(type: "TEXT", nullable: true),
                    AccessTokenExpiresAt = table.Column<string>(type: "TEXT", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<string>(type: "TEXT", nullable: false),
                    LastUsedAt = table.Column<string>(type: "TEXT", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DownstreamConnections", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DownstreamLoginFlows",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    UserKey = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    Profile = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ServerUrl = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    AuthorizationJson = table.Column<string>(type: "TEXT", nullable: false),
                    StateHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ProtectedPending = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<string>(type: "TEXT", nullable: false),
                    CompletedAt = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DownstreamLoginFlows", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DownstreamConnections_Key",
                table: "DownstreamConnections",
                column: "Key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DownstreamConnections_UserKey",
                table: "DownstreamConnections",
                column: "UserKey");

            migrationBuilder.CreateIndex(
                name: "IX_DownstreamLoginFlows_ExpiresAt",
                table: "DownstreamLoginFlows",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_DownstreamLoginFlows_StateHash",
                table: "DownstreamLoginFlows",
                column: "StateHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DownstreamClientRegistrations");

            migrationBuilder.DropTable(
                name: "DownstreamConnections");

            migrationBuilder.DropTable(
                name: "DownstreamLoginFlows");
        }
    }
}
