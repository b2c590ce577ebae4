// The network cut and restored while notifications are published: a TCP proxy between the page and
// the hub drops every connection and refuses new ones for a while. Every notification arrives once,
// in order; those published during the cut come in the resume replay, marked `replayed: true`.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { events, openClientPage, until, withArtifacts } from "../lib/browser.mjs";
import { assertExactly } from "../lib/assert-feed.mjs";
import { FAST_TIMINGS, useFixture } from "../lib/fixture.mjs";
import { sleep, waitFor } from "../lib/hub.mjs";

describe("network cut", () => {
  const f = useFixture({ name: "network", proxy: true });

  it("every notification published around a network cut arrives once, in order, the missed ones replayed", async (t) => {
    const context = await f.browser.newContext();
    t.after(() => context.close());
    await withArtifacts(t.name, { hub: f.hub, pages: () => f.pages }, async () => {
      const user = "teacher-network";
      const token = await f.hub.token(user);
      const w = await openClientPage(context, { staticOrigin: f.site.origin, hubUrl: f.hub.url, tokens: () => token, label: "network" });
      f.pages.push(w);
      await w.page.evaluate((o) => window.start(o), { url: f.proxy.wsUrl, timings: FAST_TIMINGS });
      await until(w.page, () => window.client.state === "open");

      const count = () => w.page.evaluate(() => window.events.filter((e) => e.type === "notification").length);
      const pub = (phase, i) => f.hub.publish(user, "batch_status_updated", { phase, i, batch_id: "b-net" });

      // Before: live.
      const before = [];
      for (let i = 0; i < 5; i++) before.push(await pub("before", i));
      await waitFor(async () => (await count()) === 5, { message: "the 5 live notifications" });

      // The cut, with notifications published at a steady pace through it.
      f.proxy.cut();
      await until(w.page, () => window.events.some((e) => e.type === "closed"));
      const during = [];
      for (let i = 0; i < 8; i++) {
        during.push(await pub("during", i));
        await sleep(150);
      }
      assert.ok(f.proxy.counts.refused > 0, "the client tried to reconnect during the cut and was refused");
      f.proxy.restore();
      // Still publishing while the client comes back: these may come live or in the replay.
      const around = [];
      for (let i = 0; i < 4; i++) {
        around.push(await pub("around", i));
        await sleep(50);
      }
      await until(w.page, () => window.client.state === "open", undefined, { timeout: 10_000 });
      const after = [];
      for (let i = 0; i < 3; i++) after.push(await pub("after", i));
      const all = [...before, ...during, ...around, ...after];
      await waitFor(async () => (await count()) >= all.length, { message: `${all.length} notifications` });
      await sleep(300); // a duplicate would show up by now

      const notes = await events(w.page, "notification");
      assertExactly(notes, all);
      const flags = (phase) => notes.filter((n) => n.data.phase === phase).map((n) => n.replayed);
      assert.deepEqual(flags("before"), Array(5).fill(false));
      assert.deepEqual(flags("during"), Array(8).fill(true), "published during the cut: replayed");
      assert.deepEqual(flags("after"), Array(3).fill(false), "after the resume: live");
      const snap = await w.page.evaluate(() => window.snapshot());
      assert.equal(snap.stats.duplicates, 0);
      assert.equal(snap.lastId, after.at(-1));

      const closes = await events(w.page, "closed");
      assert.equal(closes[0].code, 1006);
      assert.ok(closes.every((c) => !c.terminal && c.willRetry), JSON.stringify(closes));
      // The resume asked for the last id seen before the cut.
      const resumed = w.sockets.filter((s) => s.received.length > 0).at(-1);
      assert.match(resumed.url, new RegExp(`since=${before.at(-1)}&`));
      await waitFor(async () => (await f.hub.status()).sockets === 1, { message: "one socket after the cut" });
    });
  });
});
