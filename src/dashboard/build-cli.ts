/** `npm run build` step: writes the dashboard's bundle to the given folder (dist/dashboard/assets). */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { argv, stderr } from "node:process";
import { buildDashboardAssets } from "./assets.ts";

const dir = argv[2] ?? "dist/dashboard/assets";
const { js, css } = await buildDashboardAssets();
await mkdir(dir, { recursive: true });
await writeFile(join(dir, "app.js"), js);
await writeFile(join(dir, "app.css"), css);
stderr.write(`dashboard: ${dir}/app.js (${js.byteLength} bytes), app.css (${css.byteLength} bytes)\n`);
