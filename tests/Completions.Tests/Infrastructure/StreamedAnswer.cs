using System.Text;
using System.Text.Json.Nodes;

namespace McpSubAgent.Completions.Tests.Infrastructure;

/// <summary>The chunks of one streamed answer, with the views tests ask about.</summary>
internal sealed record StreamedAnswer(IReadOnlyList<JsonObject> Chunks)
{
    public string Content
    {
        get
        {
            var text = new StringBuilder();
            foreach (var chunk in Chunks)
            {
                if (chunk["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["delta"]?["content"] is JsonValue v)
                {
                    text.Append(v.GetValue<string>());
                }
            }

            return text.ToString();
        }
    }

    public IReadOnlyList<string?> FinishReasons => Chunks
        .Where(c => c["choices"] is JsonArray { Count: > 0 })
        .Select(c => (string?)c["choices"]![0]!["finish_reason"])
        .ToList();

    public JsonObject? Usage => Chunks.LastOrDefault(c => c["usage"] is JsonObject)?["usage"]?.AsObject();

    public IReadOnlyList<string> Ids => Chunks.Select(c => (string)c["id"]!).Distinct().ToList();
}
