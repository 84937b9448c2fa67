import { api, type ConversationSummary } from "./api";

const list = document.getElementById("conversations") as HTMLUListElement;

interface Handlers { open(id: string): void; renamed(id: string, title: string): void; deleted(id: string): void; }
let handlers: Handlers = { open: () => {}, renamed: () => {}, deleted: () => {} };

export function setConversationHandlers(h: Handlers): void { handlers = h; }

export async function loadConversationList(currentId?: string): Promise<void> {
  let conversations: ConversationSummary[] = [];
  try {
    conversations = await api.conversations();
  } catch {
    return;
  }
  list.replaceChildren(...conversations.map((c) => item(c, c.id === currentId)));
}

function item(c: ConversationSummary, current: boolean): HTMLLIElement {
  const li = document.createElement("li");
  li.className = current ? "current" : "";
  const open = document.createElement("button");
  open.type = "button";
  open.className = "conversation-title";
  open.textContent = c.title;
  if (current) open.setAttribute("aria-current", "page");
  open.addEventListener("click", () => handlers.open(c.id));

  const rename = document.createElement("button");
  rename.type = "button";
  rename.className = "icon";
  rename.textContent = "✎";
  rename.setAttribute("aria-label", `Rename ${c.title}`);
  rename.addEventListener("click", () => startRename(li, c));

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "icon";
  remove.textContent = "✕";
  remove.setAttribute("aria-label", `Delete ${c.title}`);
  remove.addEventListener("click", async () => {
    if (!confirm(`Delete “${c.title}”?`)) return;
    await api.deleteConversation(c.id);
    li.remove();
    handlers.deleted(c.id);
  });
  li.append(open, rename, remove);
  return li;
}

function startRename(li: HTMLLIElement, c: ConversationSummary): void {
  const input = document.createElement("input");
  input.type = "text";
  input.value = c.title;
  input.maxLength = 200;
  input.setAttribute("aria-label", "New title");
  let finished = false;
  const finish = async (saveIt: boolean) => {
    if (finished) return;
    finished = true;
    const title = input.value.trim();
    if (saveIt && title && title !== c.title) {
      await api.updateConversation(c.id, { title });
      handlers.renamed(c.id, title);
    }
    await loadConversationList(li.classList.contains("current") ? c.id : undefined);
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); void finish(true); }
    if (e.key === "Escape") { e.preventDefault(); void finish(false); }
  });
  input.addEventListener("blur", () => void finish(true), { once: true });
  li.replaceChildren(input);
  input.focus();
  input.select();
}
