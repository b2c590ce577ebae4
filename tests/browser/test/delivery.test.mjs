// A published notification reaches a page that imported the client from the hub, both from another
// (allowed) origin through CORS and from the hub's own origin.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { events, openClientPage, unexpectedConsoleErrors, until, watchPage, withArtifacts } from "../lib/browser.mjs";
import { FAST_TIMINGS, useFixture } from "../lib/fixture.mjs";

describe("delivery", () => {
  const f = useFixture({ name: "delivery" });

  it("a published notification arrives in a page of an allowed origin, with its event, data and id, not replayed", async (t) => {
    const context = await f.browser.newContext();
    t.after(() => context.close());
    await withArtifacts(t.name, { hub: f.hub, pages: () => f.pages }, async () => {
      const user = "teacher-delivery";
      const token = await f.hub.token(user);
      const w = await openClientPage(context, { staticOrigin: f.site.origin, hubUrl: f.hub.url, tokens: () => token, label: "allowed-origin" });
      f.pages.push(w);
      await w.page.evaluate((o) => window.start(o), { url: f.hub.wsUrl, timings: FAST_TIMINGS });
      await until(w.page, () => window.client.state === "open");

      const data = { batch_id: "b-42", file_count: 3 };
      const id = await f.hub.publish(user, "batch_files_uploaded", data, { category: "file_operations" });
      await until(w.page, () => window.events.some((e) => e.type === "notification"));
      await new Promise((r) => setTimeout(r, 300)); // anything extra would show up by now

      const got = await events(w.page, "notification");
      assert.equal(got.length, 1, `exactly one notification: ${JSON.stringify(got)}`);
      const [n] = got;
      assert.equal(n.id, id);
      assert.equal(n.event, "batch_files_uploaded");
      assert.equal(n.replayed, false);
      assert.equal(n.data.batch_id, "b-42");
      assert.equal(n.data.file_count, 3);
      assert.equal(n.data.category, "file_operations");
      const snap = await w.page.evaluate(() => window.snapshot());
      assert.equal(snap.lastId, id);
      assert.equal(snap.state, "open");
      assert.deepEqual(snap.stats, { malformed: 0, unknown: 0, duplicates: 0, errors: 0 });
      // The socket saw the frame without the replay marker.
      assert.equal(w.sockets.length, 1);
      const frame = JSON.parse(w.sockets[0].received.find((r) => r.includes('"notification"')));
      assert.equal("replayed" in frame, false, "live frames carry no replayed field");
      assert.deepEqual(unexpectedConsoleErrors(w), []);
      assert.deepEqual(w.errors, []);
    });
  });

  it("the client module loads on the hub's own origin, and its same-origin socket is accepted", async (t) => {
    const context = await f.browser.newContext();
    t.after(() => context.close());
    await withArtifacts(t.name, { hub: f.hub, pages: () => f.pages }, async () => {
      await f.hub.waitSockets(0); // the previous test's socket is gone, so the count below is ours
      const user = "teacher-own-origin";
      const token = await f.hub.token(user);
      const page = await context.newPage();
      const w = watchPage(page, "own-origin");
      f.pages.push(w);
      // Any page of the hub's origin will do; /healthz has no CSP, so the test can evaluate there.
      await page.goto(`${f.hub.url}/healthz`);
      const kind = await page.evaluate(async () => typeof (await import("/client/hub-client.js")).createHubClient);
      assert.equal(kind, "function");
      await page.evaluate(
        async ({ token, timings }) => {
          const { createHubClient } = await import("/client/hub-client.js");
          window.got = [];
          window.client = createHubClient({ url: `ws://${location.host}/ws`, getToken: () => token, storage: null, timings });
          window.client.on("notification", (n) => window.got.push(n));
          window.client.connect();
        },
        { token, timings: FAST_TIMINGS },
      );
      await until(page, () => window.client.state === "open");
      const id = await f.hub.publish(user, "class_created", { class_id: "c-7" });
      await until(page, () => window.got.length > 0);
      const got = await page.evaluate(() => window.got.map((n) => ({ id: n.id, event: n.event, replayed: n.replayed })));
      assert.deepEqual(got, [{ id, event: "class_created", replayed: false }]);
    });
  });

  it("a page of an origin not in server.allowed_origins cannot import the client", async (t) => {
    const context = await f.browser.newContext();
    t.after(() => context.close());
    await withArtifacts(t.name, { hub: f.hub, pages: () => f.pages }, async () => {
      // localhost is another origin than 127.0.0.1 for the browser, and it is not allowed.
      const page = await context.newPage();
      const w = watchPage(page, "foreign-origin");
      f.pages.push(w);
      await page.goto(`${f.site.origin.replace("127.0.0.1", "localhost")}/client.html?hub=${encodeURIComponent(f.hub.url)}`);
      const ready = await page.evaluate(() => window.ready);
      assert.match(String(ready), /client failed to load/);
      assert.ok(w.console.some((m) => m.type === "error" && /CORS|Access-Control-Allow-Origin/.test(m.text)), JSON.stringify(w.console));
    });
  });
});
