import DOMPurify from "dompurify";
import { marked } from "marked";

// Links leave the page in a new tab, without giving it a handle on this one.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node instanceof HTMLAnchorElement && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/**
 * Markdown (the model's text and the engine's tool blocks) to HTML that cannot run script: whatever a tool result or
 * a model says, DOMPurify strips script elements, event handler attributes and javascript: URLs.
 */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown, { async: false, gfm: true, breaks: false });
  return DOMPurify.sanitize(html, {
    ADD_ATTR: ["target"],
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "object", "embed"],
  });
}

/** Renders into an element, keeping the open or closed state of its tool blocks across re-renders while streaming. */
export function renderInto(element: HTMLElement, markdown: string): void {
  const open = Array.from(element.querySelectorAll("details"), (d) => d.open);
  element.innerHTML = renderMarkdown(markdown);
  element.querySelectorAll("details").forEach((d, i) => { if (open[i]) d.open = true; });
  element.querySelectorAll("summary").forEach(markToolCall);
}

// The engine starts a tool call's summary with the wrench emoji (as mcp-completions does); fonts without emoji show
// it as a box, so the page draws its own icon instead.
const wrench = "\u{1F527}";
const svg = "http://www.w3.org/2000/svg";

function markToolCall(summary: HTMLElement): void {
  const first = summary.firstChild;
  if (first?.nodeType !== Node.TEXT_NODE || !first.textContent?.startsWith(wrench)) return;
  first.textContent = first.textContent.slice(wrench.length).trimStart();
  summary.classList.add("tool-call");
  const label = document.createElement("span");
  label.className = "sr-only";
  label.textContent = "Tool call: ";
  summary.prepend(toolIcon(), label);
}

function toolIcon(): SVGSVGElement {
  const icon = document.createElementNS(svg, "svg");
  icon.setAttribute("class", "tool-icon");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(svg, "path");
  path.setAttribute("d", "M14.7 6.3a1 1 0 0 0 0 1.4l1.6 1.6a1 1 0 0 0 1.4 0l3.77-3.77a6 6 0 0 1-7.94 7.94l-6.91 6.91a2.12 2.12 0 0 1-3-3l6.91-6.91a6 6 0 0 1 7.94-7.94l-3.76 3.76z");
  icon.append(path);
  return icon;
}
