// Three tabs of one user with shareAcrossTabs hold one socket between them; when the leader tab
// closes, another takes over and every remaining tab keeps receiving, without gap or duplicate.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { events, openClientPage, until, withArtifacts } from "../lib/browser.mjs";
import { assertExactly } from "../lib/assert-feed.mjs";
import { FAST_TIMINGS, useFixture } from "../lib/fixture.mjs";
import { sleep, waitFor } from "../lib/hub.mjs";

describe("tab sharing", () => {
  const f = useFixture({ name: "tabs" });

  it("three tabs share one socket, and keep receiving every notification once after the leader tab closes", async (t) => {
    const context = await f.browser.newContext();
    t.after(() => context.close());
    await withArtifacts(t.name, { hub: f.hub, pages: () => f.pages }, async () => {
      const user = "teacher-tabs";
      const token = await f.hub.token(user);
      const tabs = [];
      for (let i = 0; i < 3; i++) {
        const w = await openClientPage(context, { staticOrigin: f.site.origin, hubUrl: f.hub.url, tokens: () => token, label: `tab-${i}` });
        f.pages.push(w);
        tabs.push(w);
        await w.page.evaluate((o) => window.start(o), { url: f.hub.wsUrl, shareAcrossTabs: true, timings: FAST_TIMINGS });
      }
      for (const w of tabs) await until(w.page, () => window.client.state === "open");
      await f.hub.waitSockets(1);
      const leaders = async (list) => (await Promise.all(list.map((w) => w.page.evaluate(() => window.client.isLeader)))).map(Boolean);
      assert.deepEqual((await leaders(tabs)).filter(Boolean).length, 1, "exactly one leader");
      assert.equal(tabs.reduce((n, w) => n + w.sockets.length, 0), 1, "one socket opened by all three tabs together");
      const status = await f.hub.status();
      assert.equal(status.sockets, 1);
      assert.equal(status.unique_users, 1);

      const pub = (phase, i) => f.hub.publish(user, "student_matches_suggested", { phase, i, class_id: "c-tabs" });
      const published = [];
      for (let i = 0; i < 5; i++) published.push(await pub("shared", i));
      const count = (w) => w.page.evaluate(() => window.events.filter((e) => e.type === "notification").length);
      for (const w of tabs) await waitFor(async () => (await count(w)) === 5, { message: `5 notifications in ${w.label}` });

      // The leader tab closes while notifications keep coming.
      const leaderIndex = (await leaders(tabs)).indexOf(true);
      const leader = tabs[leaderIndex];
      const rest = tabs.filter((w) => w !== leader);
      const closing = leader.page.close();
      for (let i = 0; i < 6; i++) {
        published.push(await pub("takeover", i));
        await sleep(100);
      }
      await closing;
      await waitFor(async () => (await leaders(rest)).filter(Boolean).length === 1, { message: "a new leader" });
      for (const w of rest) await until(w.page, () => window.client.state === "open");
      await waitFor(async () => (await f.hub.status()).sockets === 1, { message: "one socket again" });
      for (let i = 0; i < 3; i++) published.push(await pub("after", i));
      for (const w of rest) await waitFor(async () => (await count(w)) >= published.length, { message: `all in ${w.label}` });
      await sleep(300); // a duplicate would show up by now

      for (const w of rest) {
        assertExactly(await events(w.page, "notification"), published, w.label);
        assert.equal((await w.page.evaluate(() => window.client.stats)).malformed, 0);
      }
      assert.equal(rest.reduce((n, w) => n + w.sockets.length, 0), 1, "only the new leader opened a socket");
      assert.equal((await f.hub.status()).sockets, 1);
    });
  });
});
