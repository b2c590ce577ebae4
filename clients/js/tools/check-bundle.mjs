// npm run check-bundle: rebuilds the browser build into a temporary directory and fails unless it
// is byte for byte the committed assets/client/hub-client.js (the hub embeds that file and must
// build without Node, so CI checks the sources and the committed build agree).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { browserBundle, committedBundle } from "./bundle.mjs";

const dir = mkdtempSync(join(tmpdir(), "hub-client-"));
try {
  const fresh = join(dir, "hub-client.js");
  writeFileSync(fresh, await browserBundle());
  const built = readFileSync(fresh);
  let committed;
  try {
    committed = readFileSync(committedBundle);
  } catch {
    console.error(`${committedBundle} is missing: run npm run build and commit it`);
    process.exit(1);
  }
  if (!built.equals(committed)) {
    console.error(`${committedBundle} differs from a build of the sources: run npm run build and commit it`);
    process.exit(1);
  }
  console.log(`assets/client/hub-client.js matches the sources (${built.length} bytes)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
