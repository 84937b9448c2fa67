namespace McpSubAgent.Completions.Search;

/// <summary>A registry search that failed, with a message the model and the person may read.</summary>
internal sealed class McpRegistryException(string message, Exception? innerException = null) : Exception(message, innerException);
