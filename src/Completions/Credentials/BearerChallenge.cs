using System.Text;

namespace McpSubAgent.Completions.Credentials;

/// <summary>The parameters of a <c>Bearer</c> challenge (RFC 6750 §3, RFC 9728 §5.1) in a <c>WWW-Authenticate</c> value.</summary>
/// <param name="ResourceMetadata">The <c>resource_metadata</c> URL (RFC 9728 §5.1), as sent: not checked.</param>
/// <param name="Scope">The <c>scope</c> the server asks for, space-separated.</param>
/// <param name="Error">The <c>error</c> code, e.g. <c>invalid_token</c> or <c>insufficient_scope</c>.</param>
public sealed record BearerChallenge(string? ResourceMetadata, string? Scope, string? Error)
{
    /// <summary>A challenge without parameters (no header, another scheme, or nothing readable).</summary>
    public static BearerChallenge Empty { get; } = new(null, null, null);

    /// <summary>Whether the server refused the token for too narrow a scope (step-up authorization).</summary>
    public bool IsInsufficientScope => string.Equals(Error, "insufficient_scope", StringComparison.Ordinal);

    /// <summary>Reads the first Bearer challenge of a header value; anything unreadable yields no parameters rather than an error.</summary>
    public static BearerChallenge Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return Empty;
        }

        var start = header.IndexOf("Bearer", StringComparison.OrdinalIgnoreCase);
        if (start < 0)
        {
            return Empty;
        }

        var parameters = ReadParameters(header, start + "Bearer".Length);
        return new BearerChallenge(
            parameters.GetValueOrDefault("resource_metadata"),
            parameters.GetValueOrDefault("scope"),
            parameters.GetValueOrDefault("error"));
    }

    private static Dictionary<string, string> ReadParameters(string header, int position)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (position < header.Length)
        {
            while (position < header.Length && header[position] is ' ' or ',' or '\t')
            {
                position++;
            }

            var equals = header.IndexOf('=', position);
            if (equals < 0)
            {
                break;
            }

            var name = header[position..equals].Trim();
            if (name.Contains(' ', StringComparison.Ordinal))
            {
                break; // The next challenge's scheme: only the first Bearer challenge is read.
            }

            position = equals + 1;
            string value;
            if (position < header.Length && header[position] == '"')
            {
                var text = new StringBuilder();
                position++;
                while (position < header.Length && header[position] != '"')
                {
                    if (header[position] == '\\' && position + 1 < header.Length)
                    {
                        position++;
                    }

                    text.Append(header[position++]);
                }

                position++;
                value = text.ToString();
            }
            else
            {
                var end = header.IndexOf(',', position);
                end = end < 0 ? header.Length : end;
                value = header[position..end].Trim();
                position = end;
            }

            parameters.TryAdd(name, value);
        }

        return parameters;
    }
}
