// The hub's dashboard in Chromium: the feed (a token pasted, notifications newest first, the
// connection state, the replay banner after a network cut) and the admin page (the counts /status
// reports). No console errors, no CSP violations. Screenshots are kept as artefacts; with
// UPDATE_SCREENSHOTS=1 they are also written to docs/screenshots/ for the README.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { unexpectedConsoleErrors, until, watchPage, withArtifacts } from "../lib/browser.mjs";
import { useFixture } from "../lib/fixture.mjs";
import { ARTIFACTS, REPO_ROOT, sleep, waitFor } from "../lib/hub.mjs";

const UPDATE = process.env.UPDATE_SCREENSHOTS === "1";
const VIEWPORT = { width: 1280, height: 800 };
const SHOTS = path.join(ARTIFACTS, "screenshots");

/** A realistic handful, as the platform sends them (oldest first). */
const NOTIFICATIONS = [
  ["batch_files_uploaded", { batch_id: "B-2041", file_count: 24, upload_status: "completed" }, { category: "file_operations" }],
  ["batch_essays_ready", { batch_id: "B-2041", essay_count: 24, class_name: "9A English" }, { category: "batch_progress" }],
  ["student_matches_suggested", { batch_id: "B-2041", class_id: "9A", match_count: 22, unmatched: 2 }, { category: "student_workflow", priority: "high", action_required: true }],
  ["batch_spellcheck_completed", { batch_id: "B-2041", essays_checked: 24 }, { category: "batch_progress", priority: "low" }],
  ["batch_assessment_completed", { batch_id: "B-2041", assessed: 24, mean_grade: "B" }, { category: "processing_results" }],
];
/** Published while the network is cut: they come in the resume replay. */
const DURING_CUT = [
  ["batch_validation_errors", { batch_id: "B-2042", error_count: 1, first_error: "essay 7: empty file" }, { category: "system_alerts", priority: "immediate" }],
  ["class_created", { class_id: "10B", class_name: "10B English" }, { category: "class_management" }],
];

/** Records CSP violations in the page (init scripts are not subject to the page's CSP). */
const CSP_SPY = () => {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
};

async function shoot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  if (UPDATE) {
    const dir = path.join(REPO_ROOT, "docs", "screenshots");
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${name}.png`) });
  }
}

describe("dashboard", () => {
  const f = useFixture({ name: "dashboard", proxy: true });
  const user = "teacher-anna";

  it("the feed shows published notifications newest first, the connection state, and the replay banner after a cut", async (t) => {
    // Left open for the admin test (its socket is one of the counts); the browser closes it.
    const context = await f.browser.newContext({ viewport: VIEWPORT });
    await context.addInitScript(CSP_SPY);
    await withArtifacts(t.name, { hub: f.hub, pages: () => f.pages }, async () => {
      const page = await context.newPage();
      const w = watchPage(page, "feed");
      f.pages.push(w);
      // Through the proxy: the page's origin is the proxy's, which forwards Host unchanged, so the
      // hub's own-origin rule accepts the feed's same-origin socket (and the cut reaches it).
      await page.goto(`${f.proxy.url}/dashboard/`);
      await page.getByTestId("token-input").fill(await f.hub.token(user));
      await page.getByTestId("signin-button").click();
      await until(page, () => document.querySelector('[data-testid="connection-state"]').dataset.state === "open");
      assert.equal(await page.getByTestId("user-id").textContent(), user);
      assert.equal(await page.getByTestId("feed-empty").isVisible(), true);

      const ids = [];
      for (const [event, data, extra] of NOTIFICATIONS) {
        ids.push(await f.hub.publish(user, event, data, extra));
        await sleep(UPDATE ? 400 : 20); // distinct times on the screenshot
      }
      const items = page.getByTestId("feed-item");
      await waitFor(async () => (await items.count()) === NOTIFICATIONS.length, { message: "5 feed items" });
      const read = () =>
        page.evaluate(() =>
          [...document.querySelectorAll('[data-testid="feed-item"]')].map((li) => ({
            id: li.dataset.id,
            replayed: li.dataset.replayed,
            event: li.querySelector('[data-testid="feed-item-event"]').textContent.trim(),
            category: li.querySelector('[data-testid="feed-item-category"]')?.textContent.trim(),
            priority: li.querySelector('[data-testid="feed-item-priority"]')?.textContent.trim(),
          })),
        );
      let shown = await read();
      assert.deepEqual(shown.map((i) => i.id), [...ids].reverse(), "newest first");
      assert.deepEqual(shown.map((i) => i.event), NOTIFICATIONS.map(([e]) => e).reverse());
      assert.ok(shown.every((i) => i.replayed === "false"));
      assert.match(shown[2].priority, /high/i);
      assert.match(shown[0].category, /processing/i);
      assert.equal(await page.getByTestId("feed-empty").isVisible(), false);
      assert.equal(await page.getByTestId("replay-banner").isVisible(), false);
      assert.deepEqual(unexpectedConsoleErrors(w), [], "no console errors before the cut");

      // The network cut: the page shows it, and the replay after it.
      const cutAt = Date.now();
      f.proxy.cut();
      await until(page, () => document.querySelector('[data-testid="connection-state"]').dataset.state === "reconnecting");
      for (const [event, data, extra] of DURING_CUT) ids.push(await f.hub.publish(user, event, data, extra));
      await sleep(1500);
      f.proxy.restore();
      await until(page, () => document.querySelector('[data-testid="connection-state"]').dataset.state === "open", undefined, { timeout: 40_000 });
      await until(page, () => !document.querySelector('[data-testid="replay-banner"]').hidden);
      await sleep(300);
      assert.equal(await page.getByTestId("replay-banner").getAttribute("data-count"), String(DURING_CUT.length));
      shown = await read();
      assert.deepEqual(shown.map((i) => i.id), [...ids].reverse(), "every notification once, newest first");
      assert.deepEqual(shown.map((i) => i.replayed), ["true", "true", "false", "false", "false", "false", "false"]);
      assert.equal(await page.getByTestId("resync-banner").isVisible(), false);
      assert.equal(await page.getByTestId("last-close-code").textContent(), "1006");

      // Only the refused reconnects during the cut may log errors.
      const errors = unexpectedConsoleErrors(w, [/^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws\?token=\[?.*failed/]);
      assert.deepEqual(errors, []);
      assert.ok(w.console.filter((m) => m.type === "error").every((m) => m.at >= cutAt), "errors only after the cut");
      assert.deepEqual(w.errors, [], "no uncaught page errors");
      assert.deepEqual(await page.evaluate(() => window.__csp), [], "no CSP violations");
      await shoot(page, "dashboard-feed");
    });
  });

  it("the admin page shows the counts /status reports", async (t) => {
    const context = await f.browser.newContext({ viewport: VIEWPORT });
    await context.addInitScript(CSP_SPY);
    t.after(() => context.close());
    await withArtifacts(t.name, { hub: f.hub, pages: () => f.pages }, async () => {
      const page = await context.newPage();
      const w = watchPage(page, "admin");
      f.pages.push(w);
      await page.goto(`${f.hub.url}/dashboard/admin`);
      await page.getByTestId("token-input").fill(await f.hub.adminToken());
      await page.getByTestId("signin-button").click();
      await until(page, () => !document.querySelector('[data-testid="figures"]').hidden);
      if (UPDATE) {
        // A few samples with some traffic, so the charts have a line to draw.
        for (let i = 0; i < 12; i++) {
          for (let k = 0; k < 3 + (i % 3) * 2; k++) await f.hub.publish(user, "essay_spellcheck_completed", { batch_id: "B-2042", essay: k });
          await sleep(2000);
        }
      }

      const value = (id) => page.getByTestId(id).getAttribute("data-value");
      const fields = {
        "count-sockets": (s) => s.sockets,
        "count-unique-users": (s) => s.unique_users,
        "count-published": (s) => s.notifications.published,
        "count-delivered": (s) => s.notifications.delivered,
        "count-dropped-user_offline": (s) => s.notifications.dropped.user_offline,
        "count-actors-connection": (s) => s.actors.connection,
        "count-actors-user_session": (s) => s.actors.user_session,
        "count-actors-registry": (s) => s.actors.registry,
      };
      let status;
      let shown;
      // The page polls every 2 s; nothing is published now, so the figures settle.
      await waitFor(
        async () => {
          status = await f.hub.status();
          shown = {};
          for (const id of Object.keys(fields)) shown[id] = await value(id);
          return Object.entries(fields).every(([id, get]) => shown[id] === String(get(status)));
        },
        { timeout: 10_000, interval: 250, message: "the admin page to show /status's counts" },
      ).catch((err) => {
        err.message += `\n  shown: ${JSON.stringify(shown)}\n  /status: ${JSON.stringify(status)}`;
        throw err;
      });
      // The feed's socket is still open in the other context.
      assert.equal(status.sockets, 1);
      assert.ok(status.notifications.published >= NOTIFICATIONS.length + DURING_CUT.length);
      assert.equal(await page.getByTestId("mode").textContent(), "embedded");
      assert.equal(await page.getByTestId("stale-marker").isVisible(), false);
      assert.equal(await page.getByTestId("instance-id").textContent(), status.instance_id);

      assert.deepEqual(unexpectedConsoleErrors(w), [], "no console errors");
      assert.deepEqual(w.errors, []);
      assert.deepEqual(await page.evaluate(() => window.__csp), [], "no CSP violations");
      await shoot(page, "dashboard-admin");
    });
  });
});
