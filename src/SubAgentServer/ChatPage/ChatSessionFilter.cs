namespace McpSubAgent.SubAgentServer.ChatPage;

/// <summary>The chat page's API answers only the page's own scripts with a session cookie (see <see cref="BrowserSession"/>).</summary>
internal sealed class ChatSessionFilter(BrowserSession session) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (await session.AuthenticateAsync(context.HttpContext) is not { } person)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Sign in first",
                detail: $"This API serves the chat page: sign in at /account/login, and send '{BrowserSession.HeaderName}: {BrowserSession.HeaderValue}'.");
        }

        context.HttpContext.User = person;
        return await next(context);
    }
}
