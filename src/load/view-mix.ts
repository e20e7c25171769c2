import type { Title } from "./catalog.ts";

/** One view in flight and the mix of devices, countries, CDNs and errors it is drawn from (views.ts). */
export type State = "start" | "abandon" | "starting" | "playing" | "paused" | "completing" | "ending" | "done";

export interface View {
  id: string;
  user: string;
  title: Title;
  ctx: ViewContext;
  seq: number;
  nextAt: number;
  state: State;
  position: number;
  played: number;
  rebuffer: number;
  target: number;
  startup: number;
}

/** What every event of a view carries besides its ids. */
export interface ViewContext {
  device: Device;
  country: string;
  cdn: string;
  experiment: { id: string; variant: string };
}

export interface Device {
  type: string;
  os: string;
  player: string;
}

export const DEVICES: readonly (readonly [Device, number])[] = [
  [{ type: "tv", os: "tizen", player: "shaka" }, 0.25],
  [{ type: "tv", os: "webos", player: "shaka" }, 0.1],
  [{ type: "web", os: "windows", player: "hls.js" }, 0.2],
  [{ type: "web", os: "macos", player: "hls.js" }, 0.1],
  [{ type: "mobile", os: "android", player: "exoplayer" }, 0.2],
  [{ type: "mobile", os: "ios", player: "avplayer" }, 0.15],
];
export const STARTUP_BASE: Record<string, number> = { tv: 1100, web: 650, mobile: 900 };
export const COUNTRIES = [
  ["US", 0.3],
  ["BR", 0.12],
  ["DE", 0.1],
  ["GB", 0.1],
  ["IN", 0.1],
  ["JP", 0.08],
  ["FR", 0.08],
  ["MX", 0.07],
  ["NG", 0.05],
] as const;
export const CDNS = [
  ["cdn-a", 0.6],
  ["cdn-b", 0.4],
] as const;
export const ERRORS = ["MEDIA_ERR_DECODE", "MEDIA_ERR_NETWORK", "DRM_LICENSE_EXPIRED", "MANIFEST_LOAD_ERROR"];
