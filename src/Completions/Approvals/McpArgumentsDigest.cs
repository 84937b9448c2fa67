using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Approvals;

/// <summary>
/// The SHA-256 digest (lowercase hex) of a call's arguments in a canonical form: object members sorted by name, no
/// whitespace, values as written. Equal arguments written with other spacing or member order have the same digest;
/// any other change gives another one. Text that is not JSON is digested as it is.
/// </summary>
public static class McpArgumentsDigest
{
    /// <summary>The digest of <paramref name="arguments"/>.</summary>
    public static string Compute(string arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string canonical;
        try
        {
            canonical = string.IsNullOrWhiteSpace(arguments) ? "{}" : Canonical(JsonNode.Parse(arguments))?.ToJsonString() ?? "null";
        }
        catch (JsonException)
        {
            canonical = arguments;
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Canonical)]),
        _ => node?.DeepClone(),
    };
}
