using System.Security.Cryptography;
using System.Text;
using McpSubAgent.Completions.Requests;

namespace McpSubAgent.Completions.Mcp;

/// <summary>
/// Gives each MCP tool a function name that the model can call: unique within the request, at most 64 characters,
/// and only <c>[a-zA-Z0-9_-]</c>, as OpenAI and most providers require. The readable form is
/// <c>mcp_{label or host}_{tool}</c> (as mcp-completions names them); a name that is too long or already taken gets a
/// short hash of its server and tool instead of its tail.
/// </summary>
public static class McpToolNamer
{
    /// <summary>The longest function name: OpenAI's limit, which most providers share.</summary>
    public const int MaxLength = 64;
    private const int HashLength = 8;

    /// <summary>One prefix per server (its label, or its host with dots as dashes), made unique when two servers share one.</summary>
    /// <param name="servers">The servers of a run, in the order the request names them.</param>
    /// <returns>The prefixes, in the same order.</returns>
    public static IReadOnlyList<string> ServerPrefixes(IReadOnlyList<McpServerSpec> servers)
    {
        var prefixes = new List<string>(servers.Count);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var server in servers)
        {
            var basePrefix = Sanitize(server.Label ?? server.ServerUrl.Host.Replace('.', '-'));
            var prefix = basePrefix;
            for (var n = 2; !used.Add(prefix); n++)
            {
                prefix = $"{basePrefix}-{n}";
            }

            prefixes.Add(prefix);
        }

        return prefixes;
    }

    /// <summary>Allocates the function name of <paramref name="toolName"/> and records it in <paramref name="taken"/>.</summary>
    /// <param name="serverPrefix">The server's prefix from <see cref="ServerPrefixes"/>.</param>
    /// <param name="serverUrl">The server's URL, hashed into the name when the readable one is too long or taken.</param>
    /// <param name="toolName">The MCP tool's name.</param>
    /// <param name="taken">The names already in use in the run (the caller's own functions included).</param>
    /// <returns>A name unique within <paramref name="taken"/>, at most <see cref="MaxLength"/> characters of <c>[a-zA-Z0-9_-]</c>.</returns>
    public static string Allocate(string serverPrefix, Uri serverUrl, string toolName, ISet<string> taken)
    {
        var readable = $"mcp_{serverPrefix}_{Sanitize(toolName)}";
        if (readable.Length <= MaxLength && taken.Add(readable))
        {
            return readable;
        }

        var hash = Hash(serverUrl, toolName);
        var head = readable[..Math.Min(readable.Length, MaxLength - HashLength - 1)];
        var name = $"{head}_{hash}";
        for (var n = 2; !taken.Add(name); n++)
        {
            var suffix = $"_{hash}{n}";
            name = readable[..Math.Min(readable.Length, MaxLength - suffix.Length)] + suffix;
        }

        return name;
    }

    private static string Sanitize(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return builder.Length == 0 ? "_" : builder.ToString();
    }

    private static string Hash(Uri serverUrl, string toolName)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{serverUrl.AbsoluteUri}\n{toolName}"));
        return Convert.ToHexStringLower(bytes)[..HashLength];
    }
}
