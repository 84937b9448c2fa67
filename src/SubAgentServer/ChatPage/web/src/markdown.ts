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
}
