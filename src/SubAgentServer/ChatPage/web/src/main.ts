import { api, ApiError, type ChatMessage, type LoginLink, type ServerView } from "./api";
import { renderInto } from "./markdown";
import { openServersDialog, refreshServers, onServersChanged, openLoginPopup, onLoginComplete } from "./servers";
import { streamCompletion } from "./stream";
import { loadConversationList, setConversationHandlers } from "./conversations";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const messagesEl = $<HTMLDivElement>("messages");
const prompt = $<HTMLTextAreaElement>("prompt");
const modelSelect = $<HTMLSelectElement>("model");
const sendButton = $<HTMLButtonElement>("send");
const stopButton = $<HTMLButtonElement>("stop");
const titleEl = $<HTMLHeadingElement>("chat-title");

interface State {
  id?: string;
  title: string;
  messages: ChatMessage[];
  servers: ServerView[];
  running?: AbortController;
  pendingLogins?: { remaining: Set<string>; links: LoginLink[] };
}

const state: State = { title: "New chat", messages: [], servers: [] };

// ---- Models ----
// The picker starts on the model the person picked last, else on the server's default (Completions:DefaultModel),
// named as such. A default that no provider lists stays as the empty choice: the request then names no model.
async function loadModels(): Promise<void> {
  const remembered = localStorage.getItem("mcpsubagent.model") ?? "";
  const [listed, settings] = await Promise.allSettled([api.models(), api.settings()]);
  if ([listed, settings].some((r) => r.status === "rejected" && r.reason instanceof ApiError && r.reason.status === 401)) return;
  const models = listed.status === "fulfilled" ? listed.value : [];
  const defaultModel = settings.status === "fulfilled" ? settings.value.default_model : "";
  const named = (id: string) => (id === defaultModel ? `${id} (default)` : id);
  modelSelect.replaceChildren();
  if (!models.includes(defaultModel)) modelSelect.add(new Option(defaultModel ? named(defaultModel) : "Default model", ""));
  for (const id of models) modelSelect.add(new Option(named(id), id));
  if (models.includes(remembered)) modelSelect.value = remembered;
  else modelSelect.value = models.includes(defaultModel) ? defaultModel : "";
}
modelSelect.addEventListener("change", () => localStorage.setItem("mcpsubagent.model", modelSelect.value));

// ---- Messages ----
function appendMessage(message: ChatMessage): HTMLElement {
  const wrapper = document.createElement("article");
  wrapper.className = `message ${message.role}`;
  const who = document.createElement("h3");
  who.className = "sr-only";
  who.textContent = message.role === "user" ? "You said" : "Answer";
  const body = document.createElement("div");
  body.className = "content";
  if (message.role === "user") body.textContent = message.content;
  else renderInto(body, message.content);
  wrapper.append(who, body);
  messagesEl.append(wrapper);
  scrollToEnd(true);
  return wrapper;
}

function renderAll(): void {
  messagesEl.replaceChildren();
  titleEl.textContent = state.title;
  for (const m of state.messages) if (m.role !== "system") appendMessage(m);
  if (state.messages.length === 0) {
    const empty = document.createElement("p");
    empty.className = "empty";
    empty.textContent = "Pick a model, switch on MCP servers, and ask. Tool calls and their results appear as blocks you can open.";
    messagesEl.append(empty);
  }
}

// The list follows the newest message (a streaming answer grows by whole tool blocks at once) until the person
// scrolls up; scrolling back to the end follows again. Only scrolling that the page did not do itself counts.
let following = true;
let scrolledTo = -1;
messagesEl.addEventListener("scroll", () => {
  if (Math.abs(messagesEl.scrollTop - scrolledTo) < 1) return;
  following = messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 48;
});

function scrollToEnd(force = false): void {
  if (force) following = true;
  if (!following) return;
  messagesEl.scrollTop = messagesEl.scrollHeight;
  scrolledTo = messagesEl.scrollTop;
}

function setRunning(controller?: AbortController): void {
  state.running = controller;
  sendButton.disabled = controller !== undefined;
  stopButton.hidden = controller === undefined;
}

// ---- Running a request ----
async function run(): Promise<void> {
  messagesEl.querySelector(".empty")?.remove();
  const wrapper = appendMessage({ role: "assistant", content: "" });
  const body = wrapper.querySelector<HTMLElement>(".content")!;
  wrapper.classList.add("streaming");
  wrapper.setAttribute("aria-busy", "true");

  const enabled = state.servers.filter((s) => s.enabled);
  const request: Record<string, unknown> = { stream: true, messages: state.messages };
  if (modelSelect.value) request.model = modelSelect.value;
  if (enabled.length > 0) request.tools = enabled.map((s) => ({ type: "mcp", server_url: s.url }));
  // Calls held for approval (require_approval in front matter) show Approve and Deny links inline; the answer waits
  // for the decision made on that page and goes on by itself.
  request.mcp_wait_for_approval = 600;

  const controller = new AbortController();
  setRunning(controller);
  let frame = 0;
  let latest = "";
  const draw = () => { frame = 0; renderInto(body, latest); scrollToEnd(); };
  let outcome;
  try {
    outcome = await streamCompletion(request, (text) => { latest = text; if (!frame) frame = requestAnimationFrame(draw); }, controller.signal);
  } catch (e) {
    outcome = controller.signal.aborted
      ? { content: latest + "\n\n_Stopped._", loginLinks: [] }
      : { content: latest, loginLinks: [], error: e instanceof Error ? e.message : String(e) };
  } finally {
    if (frame) cancelAnimationFrame(frame);
    setRunning(undefined);
    wrapper.classList.remove("streaming");
    wrapper.removeAttribute("aria-busy");
  }

  renderInto(body, outcome.content);
  scrollToEnd();
  if (outcome.error) {
    const error = document.createElement("p");
    error.className = "error";
    error.setAttribute("role", "alert");
    error.textContent = outcome.error;
    const retry = document.createElement("button");
    retry.type = "button";
    retry.textContent = "Retry";
    retry.addEventListener("click", () => { wrapper.remove(); void run(); });
    wrapper.append(error, retry);
    if (!outcome.content) return;
  }

  state.messages.push({ role: "assistant", content: outcome.content });
  if (outcome.loginLinks.length > 0) showLogins(wrapper, outcome.loginLinks);
  await save();
}

function showLogins(wrapper: HTMLElement, links: LoginLink[]): void {
  state.pendingLogins = { remaining: new Set(links.map((l) => l.server_url)), links };
  const bar = document.createElement("div");
  bar.className = "logins";
  for (const link of links) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "primary login-button";
    button.textContent = `Log in to ${new URL(link.server_url).host}`;
    button.addEventListener("click", () => openLoginPopup(link.url));
    bar.append(button);
  }
  const note = document.createElement("p");
  note.className = "hint";
  note.textContent = "The login opens in a small window; the answer follows here when it is done.";
  bar.append(note);
  wrapper.append(bar);
  scrollToEnd();
  bar.querySelector("button")?.focus({ preventScroll: true });
}

// The callback page posts this when a login in the popup succeeded: run the request again, as if sent anew.
onLoginComplete((serverUrl) => {
  const pending = state.pendingLogins;
  if (!pending || state.running) return;
  const match = [...pending.remaining].find((u) => u === serverUrl || new URL(u).origin === new URL(serverUrl).origin);
  if (match) pending.remaining.delete(match);
  if (pending.remaining.size > 0) return;
  state.pendingLogins = undefined;
  const last = state.messages[state.messages.length - 1];
  if (last?.role === "assistant") {
    state.messages.pop();
    messagesEl.lastElementChild?.remove();
  }
  void run();
});

async function send(): Promise<void> {
  const text = prompt.value.trim();
  if (!text || state.running) return;
  prompt.value = "";
  state.pendingLogins = undefined;
  messagesEl.querySelectorAll(".logins").forEach((l) => l.remove());
  state.messages.push({ role: "user", content: text });
  appendMessage({ role: "user", content: text });
  if (state.messages.length === 1) state.title = titleFrom(text);
  titleEl.textContent = state.title;
  await run();
}

function titleFrom(text: string): string {
  const withoutFrontMatter = text.replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n?/, "").trim() || text;
  const line = withoutFrontMatter.split(/\r?\n/)[0];
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

// ---- Saving ----
async function save(): Promise<void> {
  try {
    const model = modelSelect.value || undefined;
    if (!state.id) {
      const created = await api.createConversation({ title: state.title, model, messages: state.messages });
      state.id = created.id;
      history.replaceState(null, "", `#${created.id}`);
    } else {
      await api.updateConversation(state.id, { model, messages: state.messages });
    }
    await loadConversationList(state.id);
  } catch (e) {
    console.warn("The conversation could not be saved", e);
  }
}

async function open(id?: string): Promise<void> {
  if (state.running) state.running.abort();
  state.pendingLogins = undefined;
  if (!id) {
    Object.assign(state, { id: undefined, title: "New chat", messages: [] });
    history.replaceState(null, "", "/");
  } else {
    const c = await api.conversation(id);
    Object.assign(state, { id: c.id, title: c.title, messages: c.messages });
    if (c.model && [...modelSelect.options].some((o) => o.value === c.model)) modelSelect.value = c.model;
    history.replaceState(null, "", `#${c.id}`);
  }
  renderAll();
  await loadConversationList(state.id);
  document.body.classList.remove("sidebar-open");
  $<HTMLButtonElement>("toggle-sidebar").setAttribute("aria-expanded", "false");
  prompt.focus();
}

setConversationHandlers({
  open: (id) => void open(id),
  renamed: (id, title) => { if (state.id === id) { state.title = title; titleEl.textContent = title; } },
  deleted: (id) => { if (state.id === id) void open(undefined); },
});

// ---- Wiring ----
$<HTMLFormElement>("composer").addEventListener("submit", (e) => { e.preventDefault(); void send(); });
prompt.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); void send(); }
});
stopButton.addEventListener("click", () => state.running?.abort());
$<HTMLButtonElement>("new-chat").addEventListener("click", () => void open(undefined));
$<HTMLButtonElement>("open-servers").addEventListener("click", () => void openServersDialog());
$<HTMLButtonElement>("toggle-sidebar").addEventListener("click", (e) => {
  const opened = document.body.classList.toggle("sidebar-open");
  (e.currentTarget as HTMLElement).setAttribute("aria-expanded", String(opened));
});
document.addEventListener("keydown", (e) => {
  // Escape closes the conversation list where it covers the chat (phone width), and gives focus back to its button.
  if (e.key === "Escape" && document.body.classList.contains("sidebar-open")) {
    document.body.classList.remove("sidebar-open");
    const toggle = $<HTMLButtonElement>("toggle-sidebar");
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  }
});
messagesEl.addEventListener("click", (e) => {
  // A login link inside an answer opens as the same popup as the button, so the answer can follow by itself.
  const anchor = (e.target as HTMLElement).closest("a");
  if (anchor && new URL(anchor.href, location.href).pathname.startsWith("/connections/login/")) {
    e.preventDefault();
    openLoginPopup(anchor.href);
  }
});
onServersChanged((servers) => {
  state.servers = servers;
  const enabled = servers.filter((s) => s.enabled);
  $("server-count").textContent = String(enabled.length);
  $("active-servers").textContent = enabled.length ? `Tools from ${enabled.map((s) => new URL(s.url).host).join(", ")}` : "No MCP servers on";
});

await Promise.all([loadModels(), refreshServers()]);
await open(location.hash.length > 1 ? location.hash.slice(1) : undefined).catch(() => open(undefined));
