// The single-file browser build of the core, shared by build, size and check-bundle so that all
// three measure and compare the same bytes. esbuild's output depends only on the sources and its
// own version (pinned by the lockfile): no dates, no absolute paths.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** The minified ES module of `src/index.ts` and all it imports, as bytes. */
export async function browserBundle() {
  const out = await build({
    absWorkingDir: root,
    entryPoints: ["src/index.ts"],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    write: false,
    legalComments: "none",
    banner: { js: `/* ${pkg.name} ${pkg.version}, hub protocol v1. Built from clients/js; do not edit. */` },
    logLevel: "warning",
  });
  return out.outputFiles[0].contents;
}

/** Where the hub embeds the browser build from: the repository's `assets/client/`. */
export const committedBundle = fileURLToPath(new URL("../../../assets/client/hub-client.js", import.meta.url));
