using System.Text.Json.Nodes;

namespace McpSubAgent.Testing.Llm;

internal static class JsonTree
{
    /// <summary>
    /// Touches every node once: parsed JsonNodes materialize lazily and that first access is not
    /// thread-safe, while recorded requests are read from test threads in parallel.
    /// </summary>
    public static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialize(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialize(child);
                }

                break;
            case JsonValue value:
                _ = value.GetValueKind();
                break;
        }
    }
}
