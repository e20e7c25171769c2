// `npm run build`, after tsc: bundles the player SDK into dist/sdk/v1/ (served at /sdk/v1/ by the edge).
import { writePlayerSdk } from "./assets.ts";

const written = await writePlayerSdk(process.argv[2] ?? "dist/sdk/v1");
process.stderr.write(`player SDK: ${written.join(", ")}\n`);
