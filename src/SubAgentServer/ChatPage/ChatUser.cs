using System.Security.Claims;
using OpenIddict.Abstractions;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>The user key of the chat API's caller, set by <see cref="ChatSessionFilter"/>.</summary>
internal static class ChatUser
{
    public static string Key(ClaimsPrincipal user) =>
        user.FindFirst(OpenIddictConstants.Claims.Subject)?.Value ?? throw new InvalidOperationException("The chat session has no subject.");
}
