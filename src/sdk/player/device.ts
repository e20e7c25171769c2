import type { DeviceContext } from "../../events/types.ts";

interface UaData {
  mobile?: boolean;
  platform?: string;
}

const OS: [RegExp, string][] = [
  [/Windows/i, "windows"],
  [/iPhone|iPad|iPod/i, "ios"],
  [/Android/i, "android"],
  [/CrOS/i, "chromeos"],
  [/Tizen/i, "tizen"],
  [/Web0S|webOS/i, "webos"],
  [/Mac OS X|Macintosh/i, "macos"],
  [/Linux/i, "linux"],
];

/** The device as the page knows it: class and OS from the user agent, the player as told. */
export function pageDevice(player: string): DeviceContext {
  const device: DeviceContext = { player: player.slice(0, 64) };
  if (typeof navigator === "undefined") return device;
  const ua = navigator.userAgent || "";
  const data = (navigator as Navigator & { userAgentData?: UaData }).userAgentData;
  if (/SmartTV|SMART-TV|Tizen|Web0S|webOS|HbbTV|CrKey|AFT[A-Z]|BRAVIA|Android TV/i.test(ua)) device.type = "tv";
  else if (/iPad|Tablet|(Android(?!.*Mobile))/i.test(ua)) device.type = "tablet";
  else if (data?.mobile || /Mobi|iPhone|iPod/i.test(ua)) device.type = "mobile";
  else if (ua) device.type = "desktop";
  const os = OS.find(([re]) => re.test(ua))?.[1];
  if (os) device.os = os;
  return device;
}
