using System.Text.RegularExpressions;

namespace McpSubAgent.EndToEnd.Tests.Fuzzing;

/// <summary>What a response must never show an attacker: a stack trace, an exception, or the name of one of our types.</summary>
internal static partial class ResponseLeaks
{
    /// <summary>The first leak in the response, or null.</summary>
    public static string? Find(RawHttpResponse response)
    {
        var match = Leak().Match(response.Head + "\n" + response.Body);
        return match.Success ? $"'{match.Value}' in {response.Status}: {response.Body[..Math.Min(response.Body.Length, 2000)]}" : null;
    }

    [GeneratedRegex(@"\bat [\w.`<>]+\(|[\w.]+Exception\b|\bMcpSubAgent\.|\bMicrosoft\.(AspNetCore|Extensions|EntityFrameworkCore)\.|\bSystem\.(Text|Net|IO|Collections|Private)\.|\bOpenIddict\.|ModelContextProtocol\.")]
    private static partial Regex Leak();
}
