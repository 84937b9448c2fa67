# Multi-stage build of the server. Build: docker build -t mcpsubagent .
# The chat page's bundle (TypeScript, npm packages pinned in its package-lock.json), built where node is.
FROM node:22-bookworm-slim AS web
WORKDIR /web
COPY src/SubAgentServer/ChatPage/web/package.json src/SubAgentServer/ChatPage/web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY src/SubAgentServer/ChatPage/web/ ./
# build.mjs writes to ../../wwwroot/chat, here /wwwroot/chat.
RUN npm run build --silent

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig McpSubAgent.sln ./
COPY src/ src/
COPY --from=web /wwwroot/chat/ src/SubAgentServer/wwwroot/chat/
# The bundle is in wwwroot already (so publish includes it): the SDK image has no node to build it again.
RUN dotnet publish src/SubAgentServer/McpSubAgent.SubAgentServer.csproj -c Release -o /app --no-self-contained -p:SkipChatPageBuild=true

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# The image's non-root user; App_Data is where the embedded SQLite default would live, App_Data.keys the key file
# that encrypts the Data Protection keys (mount a volume of its own there, or set DataProtection__CertificatePath).
RUN mkdir -p /app/App_Data && mkdir -p -m 700 /app/App_Data.keys && chown -R $APP_UID /app/App_Data /app/App_Data.keys
USER $APP_UID
# `Urls`, not ASPNETCORE_URLS: appsettings.json names localhost:5080 for `dotnet run`, and only an app-level setting
# (environment variables come after appsettings.json) overrides it.
ENV Urls=http://+:8080
EXPOSE 8080
# The runtime image has no curl: bash's /dev/tcp asks /healthz/ready (the database too; /healthz is liveness only).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "McpSubAgent.SubAgentServer.dll"]
