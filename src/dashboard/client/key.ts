import { api, ApiFailure, keyStore } from "./api.ts";
import { code, fill, h, note } from "./dom.ts";

/** Why a key was refused, in words that say what to do. */
export function keyProblem(err: unknown): string {
  if (err instanceof ApiFailure) {
    if (err.status === 403) return "That is a write key. The dashboard needs a read key (one of PLAYPULSE_READ_KEYS).";
    if (err.status === 401)
      return `That key was refused (${err.message}). Use one of the read keys in PLAYPULSE_READ_KEYS; playpulse up prints one.`;
    return `Could not check the key: ${err.message}`;
  }
  return "Could not check the key: Playpulse did not answer.";
}

/** Asks for a read key once; it is kept in this tab's sessionStorage, never in a URL. */
export function keyForm(root: HTMLElement, problem: string | undefined, onKey: () => void): void {
  const input = h("input", {
    id: "read-key", // no name: even a form submitted without this script sends no key
    type: "password",
    autocomplete: "off",
    required: true,
    size: "40",
  });
  const message = h("div", {}, problem && note("error", problem));
  const form = h(
    "form",
    { class: "key-form", id: "key-form" },
    h("h2", {}, "Read key"),
    h(
      "p",
      {},
      "The dashboard reads through the query API with a read key. It stays in this tab (sessionStorage) and is never put in a URL.",
    ),
    h("label", { for: "read-key" }, "Read key "),
    input,
    h("button", { type: "submit" }, "Open dashboard"),
    message,
    h("p", { class: "sub" }, "No key? Start Playpulse with ", code("playpulse up"), ": it prints a read key."),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const key = input.value.trim();
    fill(message, note("info", "Checking…"));
    api<unknown>("/v1/overview?from=0&to=1", key).then(
      () => {
        keyStore.set(key);
        onKey();
      },
      (err: unknown) => fill(message, note("error", keyProblem(err))),
    );
  });
  fill(root, form);
  input.focus();
}
