import { isVideoEvent, type PlayEvent } from "../events/index.ts";

/** The device classes the edge derives from a browser's User-Agent. */
export type DeviceClass = "mobile" | "tablet" | "tv" | "desktop";

const TV =
  /SmartTV|SMART-TV|Tizen|Web0S|webOS|HbbTV|AppleTV|CrKey|Roku|AFT[A-Z]|BRAVIA|GoogleTV|Android TV|PlayStation|Xbox/i;
const TABLET = /iPad|Tablet|PlayBook|Silk|Kindle|(Android(?!.*Mobile))/i;
const MOBILE = /Mobi|iPhone|iPod|Android.*Mobile|Windows Phone|IEMobile|Opera Mini/i;
const BOT = /bot\b|crawler|spider|HeadlessChrome\/0/i;

/**
 * The device class of a browser's User-Agent, or undefined when it is not a browser's (servers,
 * curl and SDKs send no `Mozilla/` token) or is a crawler: only browsers are classified.
 *
 * @example
 * deviceClass("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) ...") // "mobile"
 */
export function deviceClass(userAgent: string | undefined): DeviceClass | undefined {
  if (!userAgent?.startsWith("Mozilla/") || BOT.test(userAgent)) return undefined;
  if (TV.test(userAgent)) return "tv";
  if (TABLET.test(userAgent)) return "tablet";
  if (MOBILE.test(userAgent)) return "mobile";
  return "desktop";
}

/** What the server adds to a client's event; the client cannot be trusted with it. */
export interface ServerContext {
  /** From the request's User-Agent; set on a video event only when the event names no device type. */
  deviceType?: DeviceClass | undefined;
}

/**
 * The event with the server's context added: `device.type` from the User-Agent when the event
 * has none. Pure; returns the same object when there is nothing to add. The client's IP address
 * is never added (nor stored anywhere).
 */
export function withServerContext(event: PlayEvent, ctx: ServerContext): PlayEvent {
  if (!ctx.deviceType || !isVideoEvent(event) || event.device?.type !== undefined) return event;
  return { ...event, device: { ...event.device, type: ctx.deviceType } };
}
