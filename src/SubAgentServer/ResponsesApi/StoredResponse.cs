namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>
/// A response of <c>POST /v1/responses</c> kept for <c>GET /v1/responses/{id}</c> and for later responses that continue
/// it (<c>previous_response_id</c>). Only its owner (the user key that created it) reads, continues or deletes it.
/// </summary>
public sealed class StoredResponse
{
    public const int StatusMaxLength = 16;

    /// <summary><c>resp_</c> and 48 random hex digits.</summary>
    public required string Id { get; set; }

    /// <summary>The user key of the caller that created it.</summary>
    public required string OwnerKey { get; set; }

    /// <summary>Unix seconds.</summary>
    public long CreatedAt { get; set; }

    /// <summary>The response's <c>status</c>.</summary>
    public required string Status { get; set; }

    public string? PreviousResponseId { get; set; }

    /// <summary>For <c>background: true</c>: the agent task that runs it.</summary>
    public string? TaskId { get; set; }

    /// <summary>The response object as JSON.</summary>
    public required string ResponseJson { get; set; }

    /// <summary>This request's input items as a JSON array (for <c>input_items</c>).</summary>
    public required string InputJson { get; set; }

    /// <summary>
    /// The whole conversation as items: the previous response's conversation, this input and this output; what a
    /// response that continues this one starts from.
    /// </summary>
    public required string ConversationJson { get; set; }
}
