using System.Security.Cryptography;

namespace McpSubAgent.SubAgentServer.ResponsesApi;

/// <summary>Ids in OpenAI's forms: a prefix and 48 random hex digits (the id of a stored response is its capability).</summary>
internal static class ResponseIds
{
    public const int MaxLength = 64;

    public static string Response() => New("resp_");

    public static string Message() => New("msg_");

    public static string ToolList() => New("mcpl_");

    public static string McpCall() => New("mcp_");

    public static string FunctionCall() => New("fc_");

    public static string Reasoning() => New("rs_");

    private static string New(string prefix) => prefix + RandomNumberGenerator.GetHexString(48, lowercase: true);
}
