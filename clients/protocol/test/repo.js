// Reading the repository's own files (README, Rust sources) for the drift checks.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));
export const PACKAGE_DIR = fileURLToPath(new URL("../", import.meta.url));

export const readRepoFile = (path) => readFileSync(join(REPO, path), "utf8");

/** Every `.rs` file under the given repository folders, as `{ path, text }`. */
export function rustSources(...folders) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".rs")) out.push({ path: relative(REPO, path), text: readFileSync(path, "utf8") });
    }
  };
  for (const folder of folders) walk(join(REPO, folder));
  return out;
}

/** The body of `fn <name>(…) … { … }` in `text`, up to the matching brace. */
export function functionBody(text, name) {
  const start = text.search(new RegExp(`fn ${name}\\s*\\(`));
  if (start < 0) return undefined;
  const open = text.indexOf("{", start);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open, i + 1);
  }
  return undefined;
}
