// One file's fixture: a hub, the static test-page server (its origin allowed by the hub), an
// optional TCP proxy, one browser. `before` starts them, `after` stops them even when a test failed.

import { after, before } from "node:test";
import { launchBrowser } from "./browser.mjs";
import { startHub } from "./hub.mjs";
import { startProxy, startStaticServer } from "./net.mjs";

/** The client's timings for tests: seconds become tenths, so reconnects happen fast. */
export const FAST_TIMINGS = {
  pingInterval: 2000,
  pongTimeout: 2000,
  probeTimeout: 1000,
  backoffBase: 100,
  backoffMax: 800,
  stability: 2000,
  resumeJitter: 50,
  spread: 300,
  renewRetry: 300,
};

/**
 * Registers `before`/`after` hooks and returns the object they fill:
 * `{ hub, site, proxy, browser, pages }` (`pages`: the watched pages, for failure artefacts).
 */
export function useFixture({ name, hubEnv = {}, proxy = false, browser = true } = {}) {
  const f = { hub: null, site: null, proxy: null, browser: null, pages: [] };
  before(async () => {
    f.site = await startStaticServer();
    f.hub = await startHub({
      name,
      env: { HUB__SERVER__ALLOWED_ORIGINS: f.site.origin, ...hubEnv },
    });
    if (proxy) f.proxy = await startProxy(f.hub.port);
    if (browser) f.browser = await launchBrowser();
  });
  after(async () => {
    // Each step on its own: one failing must not leave a process behind.
    for (const step of [() => f.browser?.close(), () => f.proxy?.close(), () => f.hub?.close(), () => f.site?.close()]) {
      try {
        await step();
      } catch (err) {
        console.error("cleanup:", err);
      }
    }
  });
  return f;
}
