// Fails when the committed assets/dashboard/ is not exactly what the sources build to: CI runs
// it so the files the hub embeds always match their sources.

import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { buildFiles, DEFAULT_OUT } from "./build.mjs";

const built = await buildFiles();
let committed = [];
try {
  committed = await readdir(DEFAULT_OUT);
} catch {
  // reported below as missing files
}

const problems = [];
for (const [name, bytes] of Object.entries(built)) {
  if (!committed.includes(name)) problems.push(`missing: ${name}`);
  else if (!bytes.equals(await readFile(join(DEFAULT_OUT, name)))) problems.push(`differs: ${name}`);
}
for (const name of committed) if (!(name in built)) problems.push(`not built by the sources: ${name}`);

const where = relative(process.cwd(), DEFAULT_OUT);
if (problems.length) {
  console.error(`${where} does not match its sources:\n  ${problems.join("\n  ")}\nRun \`npm run build\` in clients/dashboard and commit the result.`);
  process.exit(1);
}
console.log(`${where}: ${Object.keys(built).length} files match their sources.`);
