using System.Text.Json;

namespace McpSubAgent.SubAgentServer.OpenAIApi;

/// <summary>
/// Checks a JSON body up front for what <see cref="System.Text.Json.Nodes.JsonNode"/> only finds when a value is read,
/// deep in the handling and as a 500: strings that are not valid UTF-8 or hold a lone surrogate, and a property
/// that appears twice in one object.
/// </summary>
internal static class StrictJson
{
    private const int MaxNameInMessage = 64;

    /// <summary>Throws a <see cref="JsonException"/> whose message names the problem and where it is.</summary>
    public static void Validate(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var objects = new Stack<HashSet<string>?>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    objects.Push(new HashSet<string>(StringComparer.Ordinal));
                    break;
                case JsonTokenType.StartArray:
                    objects.Push(null);
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    objects.Pop();
                    break;
                case JsonTokenType.PropertyName:
                    var name = ReadString(ref reader);
                    if (!objects.Peek()!.Add(name))
                    {
                        var shown = name.Length > MaxNameInMessage ? name[..MaxNameInMessage] + "…" : name;
                        throw new JsonException($"The property '{shown}' appears twice in one object (byte {reader.TokenStartIndex}).");
                    }

                    break;
                case JsonTokenType.String:
                    ReadString(ref reader);
                    break;
            }
        }
    }

    private static string ReadString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new JsonException($"A string is not valid UTF-8 or holds a lone surrogate (byte {reader.TokenStartIndex}).");
        }
    }
}
