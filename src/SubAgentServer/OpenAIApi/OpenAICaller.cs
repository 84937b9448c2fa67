using System.Security.Claims;
using OpenIddict.Abstractions;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// Who calls <c>/v1</c>: a person (a token from a login; the user key is its <c>sub</c>) or an app (a client-credentials
/// token, whose subject is its own client id; its end users are told apart by OpenAI's <c>user</c> field).
/// </summary>
internal sealed record OpenAICaller(string Subject, string? AppClientId)
{
    public const int MaxEndUserLength = 256;

    public bool IsApp => AppClientId is not null;

    /// <summary>Rate limits apply per person and per app (all of an app's end users together).</summary>
    public string RateLimitKey => Subject;

    public static OpenAICaller From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var subject = user.FindFirst(OpenIddictConstants.Claims.Subject)?.Value
            ?? throw new InvalidOperationException("The access token has no subject.");
        var clientId = user.FindFirst(OpenIddictConstants.Claims.ClientId)?.Value;

        // Only the client-credentials grant makes the client its own subject.
        return new OpenAICaller(subject, string.Equals(clientId, subject, StringComparison.Ordinal) ? clientId : null);
    }

    /// <summary>The user key of a run: <c>sub</c> for a person; <c>{client_id}:{user}</c>, or the client id without a user, for an app.</summary>
    public string UserKey(string? endUser) => AppClientId switch
    {
        null => Subject,
        var app when endUser is null => app,
        var app => $"{app}:{endUser}",
    };

    /// <summary>An app without an end user may not start logins (they would belong to the whole app).</summary>
    public bool LoginNeedsEndUser(string? endUser) => IsApp && endUser is null;
}
