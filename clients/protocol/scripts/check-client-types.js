// npm run check-client-types [path]: the client library's frame types against docs/asyncapi.yaml.
// The path (or CLIENT_FRAME_TYPES) names the TypeScript file that exports the client's
// `ServerFrame` and `ClientFrame` unions; by default ../js/src/frames.ts (clients/js).

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { checkClientTypes } from "../src/client-types.js";

const here = fileURLToPath(new URL("../", import.meta.url));
const path = resolve(here, process.argv[2] ?? process.env.CLIENT_FRAME_TYPES ?? "../js/src/frames.ts");
if (!existsSync(path)) {
  console.error(`${path} does not exist: pass the client's frame types file (exporting ServerFrame and ClientFrame)`);
  process.exit(1);
}
const { ok, errors, dir } = await checkClientTypes(path, { keep: process.env.KEEP_GENERATED === "1" });
if (!ok) {
  for (const e of errors) console.error(e);
  console.error(`\n${path}: the client's frame types do not match docs/asyncapi.yaml (${errors.length} error(s)).`);
  console.error(`Generated types and assertions: ${dir}/generated.ts, ${dir}/assertions.ts`);
  process.exit(1);
}
console.log(`${path}: ServerFrame and ClientFrame match docs/asyncapi.yaml (each variant both ways, same fields).`);
