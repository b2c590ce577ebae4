// Chromium through playwright-core: Debian's /usr/bin/chromium (CHROMIUM_PATH overrides); nothing
// downloads a browser. One browser per test file; failure artefacts in target/browser-artifacts/.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { ARTIFACTS, tail } from "./hub.mjs";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches Chromium. playwright-core gives every launch a fresh temporary profile. */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

const slug = (s) => s.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").toLowerCase().slice(0, 80);

/**
 * Watches a page: console errors, page errors, CSP violations and every WebSocket it opens (with
 * the frames both ways). Call before navigating.
 */
export function watchPage(page, label = "page") {
  const w = { label, page, console: [], errors: [], sockets: [] };
  page.on("console", (m) => w.console.push({ type: m.type(), text: m.text(), at: Date.now() }));
  page.on("pageerror", (e) => w.errors.push({ text: String(e), at: Date.now() }));
  page.on("websocket", (ws) => {
    const s = { url: ws.url(), openedAt: Date.now(), closedAt: null, sent: [], received: [] };
    w.sockets.push(s);
    ws.on("framesent", (f) => s.sent.push(String(f.payload)));
    ws.on("framereceived", (f) => s.received.push(String(f.payload)));
    ws.on("close", () => (s.closedAt = Date.now()));
  });
  return w;
}

/** Console errors that are not the expected ones (`allow`: regexps). */
export function unexpectedConsoleErrors(w, allow = []) {
  return w.console.filter((m) => m.type === "error" && !allow.some((re) => re.test(m.text)));
}

/**
 * Runs a test body; on failure saves a screenshot and the event log of every watched page, and
 * adds the tail of the hub's log to the error.
 */
export async function withArtifacts(name, { hub, pages }, fn) {
  try {
    await fn();
  } catch (err) {
    const dir = path.join(ARTIFACTS, "failures", slug(name));
    mkdirSync(dir, { recursive: true });
    for (const w of pages()) {
      try {
        if (!w.page.isClosed()) {
          await w.page.screenshot({ path: path.join(dir, `${slug(w.label)}.png`), fullPage: true, timeout: 5000 });
          const events = await w.page.evaluate(() => window.events ?? null).catch(() => null);
          writeFileSync(path.join(dir, `${slug(w.label)}-events.json`), JSON.stringify(events, null, 1));
        }
        writeFileSync(path.join(dir, `${slug(w.label)}-watch.json`), JSON.stringify({ console: w.console, errors: w.errors, sockets: w.sockets }, null, 1));
      } catch {
        // best effort: the original error matters more
      }
    }
    const log = hub?.logText?.() ?? "";
    if (log) writeFileSync(path.join(dir, "hub.log"), log);
    const extra = `\n  artefacts: ${dir}\n  --- the hub's log (tail) ---\n${tail(log, 40)}`;
    err.message += extra;
    if (typeof err.stack === "string") err.stack += extra; // reporters print the stack
    throw err;
  }
}

/**
 * Opens the test page of the static server (another origin than the hub), with `getToken`
 * answered by `tokens()` in Node. Resolves once the client module has loaded from the hub.
 */
export async function openClientPage(context, { staticOrigin, hubUrl, tokens, label }) {
  const page = await context.newPage();
  const w = watchPage(page, label);
  await page.exposeFunction("testGetToken", () => tokens());
  await page.goto(`${staticOrigin}/client.html?hub=${encodeURIComponent(hubUrl)}`);
  const ready = await page.evaluate(() => window.ready);
  if (ready !== true) throw new Error(`the test page could not import the client from the hub: ${ready}`);
  return w;
}

/** The recorded events of the test page, optionally of one type. */
export async function events(page, type) {
  const all = await page.evaluate(() => window.events);
  return type ? all.filter((e) => e.type === type) : all;
}

/** Fails unless `list` holds no repeated id. */
export function ids(list) {
  return list.map((e) => e.id);
}

/** `page.waitForFunction` with interval polling (requestAnimationFrame polling depends on rendering). */
export function until(page, fn, arg, { timeout = 15_000 } = {}) {
  return page.waitForFunction(fn, arg, { polling: 50, timeout });
}
