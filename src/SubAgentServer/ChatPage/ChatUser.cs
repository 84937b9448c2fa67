using System.Security.Claims;
using OpenIddict.Abstractions;

namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>
/// The user key of the chat API's caller, which <see cref="ChatSessionFilter"/> sets on <c>HttpContext.User</c>: handlers read it
/// there, since a bound <c>ClaimsPrincipal</c> parameter is captured before endpoint filters run.
/// </summary>
internal static class ChatUser
{
    public static string Key(ClaimsPrincipal user) =>
        user.FindFirst(OpenIddictConstants.Claims.Subject)?.Value ?? throw new InvalidOperationException("The chat session has no subject.");
}
