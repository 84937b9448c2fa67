import { errorMessage, requestHeaders, type LoginLink } from "./api";

export interface StreamOutcome { content: string; loginLinks: LoginLink[]; error?: string; finishReason?: string; }

/**
 * Posts a streaming chat completion and calls onText with the whole answer so far after each content delta. The
 * final chunk may carry mcp_login_required: the logins the answer waits for.
 */
export async function streamCompletion(body: unknown, onText: (text: string) => void, signal: AbortSignal): Promise<StreamOutcome> {
  const response = await fetch("/v1/chat/completions", {
    method: "POST",
    headers: { ...requestHeaders, "Content-Type": "application/json", Accept: "text/event-stream" },
    credentials: "same-origin",
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok || !response.body) {
    return { content: "", loginLinks: [], error: await errorMessage(response) };
  }

  const outcome: StreamOutcome = { content: "", loginLinks: [] };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    let next: ReadableStreamReadResult<string>;
    try {
      next = await reader.read();
    } catch (e) {
      // After an error event the server ends the connection as incomplete: keep the error it named.
      if (outcome.error) break;
      throw e;
    }
    const { value, done } = next;
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
      const data = event.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
      if (!data || data === "[DONE]") continue;
      const chunk = JSON.parse(data);
      if (chunk.error) {
        outcome.error = chunk.error.message ?? "The run failed.";
        continue;
      }
      const choice = chunk.choices?.[0];
      if (typeof choice?.delta?.content === "string" && choice.delta.content.length > 0) {
        outcome.content += choice.delta.content;
        onText(outcome.content);
      }
      if (choice?.finish_reason) outcome.finishReason = choice.finish_reason;
      if (Array.isArray(chunk.mcp_login_required)) outcome.loginLinks = chunk.mcp_login_required;
    }
  }
  return outcome;
}
