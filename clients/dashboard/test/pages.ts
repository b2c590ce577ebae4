// Loads one of the dashboard's pages into the test's DOM, then runs its module, as a browser would.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { vi } from "vitest";

/** The sources, relative to the package root where vitest runs. */
const SRC = join(process.cwd(), "src");

export async function loadPage(html: "index.html" | "admin.html", script: () => Promise<unknown>): Promise<void> {
  const source = readFileSync(join(SRC, html), "utf8");
  document.body.innerHTML = source.slice(source.indexOf("<body>") + 6, source.indexOf("</body>"));
  vi.resetModules();
  await script();
}

export const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;
export const allByTestId = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
export const visible = (id: string) => !byTestId(id).closest("[hidden]");

export function signIn(token: string): void {
  (byTestId("token-input") as HTMLInputElement).value = token;
  byTestId("signin-button").click();
}
