// The page's calls to its own origin: the session cookie goes along, and the header tells the server that this
// page's script sent the request (a cross-site form cannot set it).
const headers = { "X-Requested-With": "McpSubAgent" };

export interface ServerView { id: string; url: string; enabled: boolean; }
export interface ToolView { name: string; description?: string; }
export interface ServerStatus { id: string; url: string; status: "connected" | "needs_login" | "unreachable"; tools?: ToolView[]; login_url?: string; problem?: string; }
export interface ChatMessage { role: "system" | "user" | "assistant"; content: string; }
export interface ConversationSummary { id: string; title: string; updated_at: string; }
export interface Conversation extends ConversationSummary { model?: string; messages: ChatMessage[]; created_at: string; }
export interface LoginLink { server_url: string; url: string; }
export interface PageSettings { default_model: string; }

export class ApiError extends Error {
  constructor(message: string, readonly status: number) { super(message); }
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { ...headers }, credentials: "same-origin" };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    window.location.assign("/account/login?ReturnUrl=%2F");
    throw new ApiError("Signed out", 401);
  }
  if (!response.ok) {
    throw new ApiError(await errorMessage(response), response.status);
  }
  return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
}

/** The message of a ProblemDetails, a validation problem or an OpenAI-style error. */
export async function errorMessage(response: Response): Promise<string> {
  try {
    const json = await response.json();
    if (json?.error?.message) return json.error.message;
    if (json?.errors) return Object.values(json.errors as Record<string, string[]>).flat().join(" ");
    if (json?.detail || json?.title) return json.detail ?? json.title;
  } catch {
    // Not JSON: the status says enough.
  }
  return `${response.status} ${response.statusText}`;
}

export const api = {
  models: async (): Promise<string[]> => {
    const list = await call<{ data: { id: string }[] }>("GET", "/v1/models");
    return list.data.map((m) => m.id);
  },
  settings: () => call<PageSettings>("GET", "/api/chat/settings"),
  servers: () => call<ServerView[]>("GET", "/api/chat/servers"),
  addServer: (url: string) => call<ServerView>("POST", "/api/chat/servers", { url }),
  setServerEnabled: (id: string, enabled: boolean) => call<ServerView>("PATCH", `/api/chat/servers/${id}`, { enabled }),
  removeServer: (id: string) => call<void>("DELETE", `/api/chat/servers/${id}`),
  serverStatus: (id: string) => call<ServerStatus>("GET", `/api/chat/servers/${id}/status`),
  conversations: () => call<ConversationSummary[]>("GET", "/api/chat/conversations"),
  conversation: (id: string) => call<Conversation>("GET", `/api/chat/conversations/${id}`),
  createConversation: (c: { title: string; model?: string; messages: ChatMessage[] }) => call<Conversation>("POST", "/api/chat/conversations", c),
  updateConversation: (id: string, c: { title?: string; model?: string; messages?: ChatMessage[] }) => call<Conversation>("PUT", `/api/chat/conversations/${id}`, c),
  deleteConversation: (id: string) => call<void>("DELETE", `/api/chat/conversations/${id}`),
};

export const requestHeaders = headers;
