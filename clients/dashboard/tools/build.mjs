// Builds the dashboard into assets/dashboard/ at the repository root (or the directory given as
// the first argument): the two pages and the icon copied as they are, one minified ES module per
// page, one minified stylesheet. Deterministic: the same sources and lockfile give the same bytes
// (no timestamps, no absolute paths, no hashes of the machine), which `npm run check` relies on.

import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_OUT = resolve(root, "../../assets/dashboard");

/** Files served as they are. */
const COPIED = ["index.html", "admin.html", "favicon.svg"];

/** Browsers the dashboard supports: the current and previous majors (issue 12). */
const TARGET = ["es2022", "chrome120", "firefox120", "safari17"];

/** Builds every file in memory: `{ name: bytes }`. */
export async function buildFiles() {
  const common = {
    absWorkingDir: root,
    bundle: true,
    minify: true,
    write: false,
    target: TARGET,
    charset: "utf8",
    legalComments: "none",
    logLevel: "warning",
  };
  const scripts = await esbuild.build({
    ...common,
    entryPoints: { feed: "src/feed.ts", admin: "src/admin.ts" },
    format: "esm",
    platform: "browser",
    // Served by the hub beside the dashboard; never bundled.
    external: ["/client/hub-client.js"],
    outdir: "out",
  });
  const styles = await esbuild.build({
    ...common,
    entryPoints: { dashboard: "src/dashboard.css" },
    outdir: "out",
  });
  const files = {};
  for (const file of [...scripts.outputFiles, ...styles.outputFiles]) {
    files[relative(join(root, "out"), file.path)] = Buffer.from(file.contents);
  }
  for (const name of COPIED) files[name] = await readFile(join(root, "src", name));
  return files;
}

/** Writes the build into `outDir`, removing files there that the build no longer makes. */
export async function build(outDir = DEFAULT_OUT) {
  const files = await buildFiles();
  await mkdir(outDir, { recursive: true });
  for (const name of await readdir(outDir)) if (!(name in files)) await rm(join(outDir, name), { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(outDir, name), bytes);
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUT;
  const files = await build(outDir);
  let total = 0;
  for (const [name, bytes] of Object.entries(files).sort()) {
    total += bytes.length;
    console.log(`${name.padEnd(16)} ${String(bytes.length).padStart(7)} B`);
  }
  console.log(`${"total".padEnd(16)} ${String(total).padStart(7)} B -> ${relative(process.cwd(), outDir) || "."}`);
}
