import { api, ApiError, type ServerStatus, type ServerView } from "./api";

const dialog = document.getElementById("servers-dialog") as HTMLDialogElement;
const list = document.getElementById("servers") as HTMLUListElement;
const form = document.getElementById("add-server") as HTMLFormElement;
const urlInput = document.getElementById("server-url") as HTMLInputElement;
const errorEl = document.getElementById("server-error") as HTMLParagraphElement;

let servers: ServerView[] = [];
const listeners: ((servers: ServerView[]) => void)[] = [];
const loginListeners: ((serverUrl: string) => void)[] = [];

export function onServersChanged(listener: (servers: ServerView[]) => void): void { listeners.push(listener); }

export function onLoginComplete(listener: (serverUrl: string) => void): void { loginListeners.push(listener); }

window.addEventListener("message", (e) => {
  if (e.origin !== location.origin || e.data?.type !== "mcp-login-complete" || typeof e.data.serverUrl !== "string") return;
  for (const l of loginListeners) l(e.data.serverUrl);
  if (dialog.open) void renderList();
});

/** Opens a login link in a popup; the callback page tells this window when the login is done. */
export function openLoginPopup(url: string): void {
  const popup = window.open(url, "mcp-login", "popup=yes,width=520,height=720");
  if (!popup) window.open(url, "_blank");
}

export async function refreshServers(): Promise<ServerView[]> {
  try {
    servers = await api.servers();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
  }
  for (const l of listeners) l(servers);
  return servers;
}

export async function openServersDialog(): Promise<void> {
  errorEl.textContent = "";
  dialog.showModal();
  await renderList();
  urlInput.focus();
}

async function renderList(): Promise<void> {
  await refreshServers();
  list.replaceChildren(...servers.map(renderServer));
  if (servers.length === 0) {
    const li = document.createElement("li");
    li.className = "hint";
    li.textContent = "No servers yet: add one by its URL below.";
    list.append(li);
  }
}

function renderServer(server: ServerView): HTMLLIElement {
  const li = document.createElement("li");
  li.className = "server";
  li.dataset.serverId = server.id;

  const head = document.createElement("div");
  head.className = "server-head";
  const label = document.createElement("label");
  const toggle = document.createElement("input");
  toggle.type = "checkbox";
  toggle.checked = server.enabled;
  toggle.addEventListener("change", async () => {
    await api.setServerEnabled(server.id, toggle.checked);
    await refreshServers();
  });
  const url = document.createElement("span");
  url.className = "server-url";
  url.textContent = server.url;
  label.append(toggle, url);

  const status = document.createElement("span");
  status.className = "status checking";
  status.textContent = "checking…";

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "icon";
  remove.title = "Remove";
  remove.setAttribute("aria-label", `Remove ${server.url}`);
  remove.textContent = "✕";
  remove.addEventListener("click", async () => {
    await api.removeServer(server.id);
    await renderList();
    urlInput.focus();
  });
  head.append(label, status, remove);

  const details = document.createElement("div");
  details.className = "server-details";
  li.append(head, details);
  void api.serverStatus(server.id).then((s) => showStatus(status, details, s), (e: unknown) => {
    status.className = "status unreachable";
    status.textContent = "unreachable";
    details.textContent = e instanceof Error ? e.message : String(e);
  });
  return li;
}

function showStatus(status: HTMLElement, details: HTMLElement, s: ServerStatus): void {
  const labels = { connected: "connected", needs_login: "needs login", unreachable: "unreachable" } as const;
  status.className = `status ${s.status}`;
  status.textContent = labels[s.status];
  details.replaceChildren();
  if (s.status === "connected") {
    const tools = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = `${s.tools?.length ?? 0} tools`;
    const ul = document.createElement("ul");
    ul.className = "tools";
    for (const t of s.tools ?? []) {
      const item = document.createElement("li");
      const name = document.createElement("code");
      name.textContent = t.name;
      item.append(name, t.description ? ` — ${t.description}` : "");
      ul.append(item);
    }
    tools.append(summary, ul);
    details.append(tools);
  } else if (s.status === "needs_login" && s.login_url) {
    const login = document.createElement("button");
    login.type = "button";
    login.className = "primary";
    login.textContent = `Log in to ${new URL(s.url).host}`;
    login.addEventListener("click", () => openLoginPopup(s.login_url!));
    details.append(login);
  } else if (s.problem) {
    details.textContent = s.problem;
  }
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  errorEl.textContent = "";
  try {
    await api.addServer(urlInput.value.trim());
    urlInput.value = "";
    await renderList();
  } catch (err) {
    errorEl.textContent = err instanceof Error ? err.message : String(err);
  }
  urlInput.focus();
});
