// npm run build: dist/ (one ES module per source file, plus .d.ts) for the npm package, and the
// single-file browser build the hub embeds, written to the repository's assets/client/.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { browserBundle, committedBundle, root } from "./bundle.mjs";

rmSync(join(root, "dist"), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: readdirSync(join(root, "src")).filter((f) => f.endsWith(".ts")).map((f) => `src/${f}`),
  outdir: "dist",
  format: "esm",
  target: "es2022",
  platform: "neutral",
  logLevel: "warning",
});
execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });

mkdirSync(dirname(committedBundle), { recursive: true });
writeFileSync(committedBundle, await browserBundle());
console.log(`built dist/ and ${committedBundle}`);
