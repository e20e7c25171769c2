import { PACK_HEADER, packedEvents, packedTexts } from "../events/index.ts";

/** One body as `playpulse dlq show` prints it: parsed JSON, else UTF-8 text, else base64. */
export type BodyView =
  { encoding: "json"; value: unknown } | { encoding: "utf8"; value: string } | { encoding: "base64"; value: string };

/** A dead letter's payload: one body, or a pack's events (PLAYPULSE_PACK_EVENTS), each viewed as a body. */
export type PayloadView = BodyView | { encoding: "pack"; events: BodyView[] };

const utf8 = new TextDecoder("utf-8", { fatal: true });

function textView(text: string): BodyView {
  try {
    return { encoding: "json", value: JSON.parse(text) as unknown };
  } catch {
    return { encoding: "utf8", value: text };
  }
}

function bodyView(data: Uint8Array): BodyView {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { encoding: "base64", value: Buffer.from(data).toString("base64") };
  }
  return textView(text);
}

/** True when the original message was a pack: it carries `Playpulse-Pack`, as the consumers read it. */
export function isPack(headers: Readonly<Record<string, readonly string[]>>): boolean {
  return Object.hasOwn(headers, PACK_HEADER);
}

/**
 * The one place that decides how a dead letter's payload is shown: a pack's lines each as a body
 * (a line that is not JSON stays text, one that is not UTF-8 base64), any other body as one.
 *
 * @example
 * payloadView(d.data, d.headers); // { encoding: "pack", events: [{ encoding: "json", value: {…} }, …] }
 */
export function payloadView(data: Uint8Array, headers: Readonly<Record<string, readonly string[]>> = {}): PayloadView {
  if (!isPack(headers)) return bodyView(data);
  const texts = packedTexts(data);
  return { encoding: "pack", events: texts ? texts.map(textView) : packedEvents(data).map(bodyView) };
}

/** How many events a dead letter holds: a pack's lines (as `payloadView` shows them), 1 for any other message. */
export function eventCount(data: Uint8Array, headers: Readonly<Record<string, readonly string[]>>): number {
  return isPack(headers) ? packedEvents(data).length : 1;
}
