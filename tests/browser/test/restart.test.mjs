// The embedded hub restarted: SIGTERM closes the socket with 1001, the hub comes back on the same
// port with a new epoch, and the client resumes into a `resync` (its onResync runs, live frames
// wait for it), then live frames.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { events, openClientPage, until, withArtifacts } from "../lib/browser.mjs";
import { assertExactly } from "../lib/assert-feed.mjs";
import { FAST_TIMINGS, useFixture } from "../lib/fixture.mjs";
import { waitFor } from "../lib/hub.mjs";

describe("hub restart", () => {
  const f = useFixture({ name: "restart" });

  it("a restarted hub (1001) gives resync with the new epoch after onResync ran, then live frames", async (t) => {
    const context = await f.browser.newContext();
    t.after(() => context.close());
    await withArtifacts(t.name, { hub: f.hub, pages: () => f.pages }, async () => {
      const user = "teacher-restart";
      const token = await f.hub.token(user);
      const w = await openClientPage(context, { staticOrigin: f.site.origin, hubUrl: f.hub.url, tokens: () => token, label: "restart" });
      f.pages.push(w);
      await w.page.evaluate((o) => window.start(o), { url: f.hub.wsUrl, timings: FAST_TIMINGS, resyncDelay: 1000 });
      await until(w.page, () => window.client.state === "open");

      const before = [await f.hub.publish(user, "essay_text_extracted", { n: 1 }), await f.hub.publish(user, "essay_text_extracted", { n: 2 })];
      await until(w.page, () => window.events.filter((e) => e.type === "notification").length === 2);
      const oldEpoch = (await w.page.evaluate(() => window.snapshot())).epoch;

      const how = await f.hub.restart();
      assert.deepEqual(how, { code: 0, signal: null }, "the hub exits cleanly on SIGTERM");

      // The client reconnects on its own; the resume from the old epoch is answered with resync.
      await until(w.page, () => window.events.some((e) => e.type === "onResync"), undefined, { timeout: 15_000 });
      // Published while onResync runs: held until it settles, given after the resync event.
      const during = await f.hub.publish(user, "batch_essays_ready", { n: 3 });
      await until(w.page, () => window.events.some((e) => e.type === "resync"));
      const after = await f.hub.publish(user, "batch_essays_ready", { n: 4 });
      await until(w.page, () => window.events.filter((e) => e.type === "notification").length >= 4);
      await new Promise((r) => setTimeout(r, 300));

      const all = await events(w.page);
      const closes = all.filter((e) => e.type === "closed");
      assert.equal(closes[0].code, 1001, JSON.stringify(closes));
      assert.equal(closes[0].reason, "server shutting down");
      assert.equal(closes[0].terminal, false);
      assert.equal(closes[0].willRetry, true);
      // Further closes are failed handshakes while the hub was down: never terminal.
      assert.ok(closes.every((c) => !c.terminal && c.willRetry), JSON.stringify(closes));

      const kinds = all.filter((e) => ["onResync", "onResyncDone", "resync", "notification"].includes(e.type));
      const order = kinds.map((e) => (e.type === "notification" ? `n:${e.data.n}` : e.type));
      assert.deepEqual(order, ["n:1", "n:2", "onResync", "onResyncDone", "resync", "n:3", "n:4"]);
      const resync = kinds.find((e) => e.type === "resync");
      assert.notEqual(resync.epoch, oldEpoch, "a new epoch after the restart");
      assert.equal(kinds.find((e) => e.type === "onResync").epoch, resync.epoch);

      const notes = all.filter((e) => e.type === "notification");
      assertExactly(notes, [...before, during, after]);
      assert.deepEqual(notes.map((n) => n.epoch), [oldEpoch, oldEpoch, resync.epoch, resync.epoch]);
      assert.deepEqual(notes.map((n) => n.replayed), [false, false, false, false]);

      // The resuming socket asked for the old position.
      const last = w.sockets.at(-1);
      assert.match(last.url, new RegExp(`since=${before[1]}&epoch=${oldEpoch}`));
      assert.equal((await w.page.evaluate(() => window.snapshot())).state, "open");
      await waitFor(async () => (await f.hub.status()).sockets === 1, { message: "one socket on the new hub" });
    });
  });
});
