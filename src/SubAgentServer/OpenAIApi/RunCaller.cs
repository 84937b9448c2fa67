using McpSubAgent.Completions;
using Microsoft.Extensions.Options;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// Who a <c>/v1</c> run is for and with which model, checked the same way by every endpoint that starts a run
/// (<c>/v1/chat/completions</c>, <c>/v1/responses</c>): an app's end user (<c>user</c>) must be 1 to
/// <see cref="OpenAICaller.MaxEndUserLength"/> characters, and with <c>OpenAIApi:RejectUnknownModels</c> the model must be listed.
/// </summary>
internal sealed record RunCaller(OpenAICaller Caller, string? EndUser, string Model)
{
    /// <summary>Whose logins, limits and stored data the run uses.</summary>
    public string UserKey => Caller.UserKey(EndUser);

    /// <summary>An app without an end user: a needed login fails the run instead of waiting for someone.</summary>
    public bool LoginNeedsEndUser => Caller.LoginNeedsEndUser(EndUser);

    /// <summary>The caller of <paramref name="http"/>, or the error result that refuses the request.</summary>
    public static async Task<(RunCaller? Caller, IResult? Refusal)> CheckAsync(
        HttpContext http, string? requestedUser, string? requestedModel, ModelCatalog models, IOptions<OpenAIApiOptions> options,
        IOptions<CompletionsOptions> completions)
    {
        var caller = OpenAICaller.From(http.User);
        var endUser = caller.IsApp ? requestedUser : null;
        if (endUser is { } u && (string.IsNullOrWhiteSpace(u) || u.Length > OpenAICaller.MaxEndUserLength))
        {
            return (null, OpenAIErrorResult.BadRequest($"'user' must be 1 to {OpenAICaller.MaxEndUserLength} characters.", "user"));
        }

        var model = requestedModel ?? completions.Value.DefaultModel;
        if (options.Value.RejectUnknownModels && await models.IsKnownAsync(model, http.RequestAborted) == false)
        {
            return (null, OpenAIErrorResult.ModelNotFound(model));
        }

        return (new RunCaller(caller, endUser, model), null);
    }
}
