/** DOM building without HTML strings: text always goes in as text nodes, so nothing shown is ever parsed as markup. */
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) el.setAttribute(k, "");
    else if (typeof v === "string") el.setAttribute(k, v);
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's content. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** A message with what to do next, for empty and failed states. */
export function note(kind: "empty" | "error" | "info", ...children: Child[]): HTMLElement {
  return h("p", { class: `note note-${kind}`, role: kind === "error" ? "alert" : "status" }, ...children);
}

export function code(text: string): HTMLElement {
  return h("code", {}, text);
}
