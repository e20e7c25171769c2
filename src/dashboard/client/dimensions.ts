/**
 * The breakdown dimensions the page offers, with their labels: every dimension the API groups by
 * (src/query/dimensions.ts; dimensions.test.ts holds the two lists equal).
 */
export const DIMENSIONS: readonly [string, string][] = [
  ["cdn", "CDN"],
  ["country", "Country"],
  ["device.type", "Device type"],
  ["device.os", "Device OS"],
  ["device.player", "Player"],
  ["experiment_variant", "Experiment variant"],
  ["region", "Region"],
];
