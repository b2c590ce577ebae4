// Token renewal in band (the socket outlives its first token) and the operator disconnect (4003:
// terminal, no new socket).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { events, openClientPage, until, withArtifacts } from "../lib/browser.mjs";
import { FAST_TIMINGS, useFixture } from "../lib/fixture.mjs";
import { sleep, waitFor } from "../lib/hub.mjs";

const expOf = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()).exp;

describe("session", () => {
  // renew_notice far above the first token's lifetime: token_expiring comes at once.
  const f = useFixture({ name: "session", hubEnv: { HUB__AUTH__RENEW_NOTICE: "60s" } });

  it("a token a few seconds from exp is renewed in band and the socket outlives it", async (t) => {
    const context = await f.browser.newContext();
    t.after(() => context.close());
    await withArtifacts(t.name, { hub: f.hub, pages: () => f.pages }, async () => {
      const user = "teacher-renewal";
      // 12 s: the client reuses a token for a connect only while it is more than 5 s from exp, so
      // this leaves the page 7 s to start and connect with it even on a loaded machine.
      const first = await f.hub.token(user, { ttl: "12s" });
      const firstExp = expOf(first);
      const issued = [];
      const tokens = async () => {
        const tk = issued.length === 0 ? first : await f.hub.token(user, { ttl: "10m" });
        issued.push(tk);
        return tk;
      };
      const w = await openClientPage(context, { staticOrigin: f.site.origin, hubUrl: f.hub.url, tokens, label: "renewal" });
      f.pages.push(w);
      await w.page.evaluate((o) => window.start(o), { url: f.hub.wsUrl, timings: FAST_TIMINGS });
      await until(w.page, () => window.client.state === "open");

      // token_expiring at once, then one auth frame with the second token.
      await waitFor(() => w.sockets[0]?.sent.some((s) => s.includes('"auth"')), { message: "an auth frame" });
      const expiring = w.sockets[0].received.filter((r) => r.includes('"token_expiring"')).map((r) => JSON.parse(r));
      assert.deepEqual(expiring, [{ type: "token_expiring", exp: firstExp }]);
      const auths = w.sockets[0].sent.filter((s) => s.includes('"auth"')).map((s) => JSON.parse(s));
      assert.equal(auths.length, 1);
      assert.equal(auths[0].token, issued[1]);
      assert.notEqual(issued[1], first);

      // Past the first token's exp (plus a margin): the same socket, still open.
      const wait = firstExp * 1000 + 1500 - Date.now();
      assert.ok(wait > 0, "the first token had not expired when it was renewed");
      await sleep(wait);
      const id = await f.hub.publish(user, "batch_assessment_completed", { batch_id: "b-renew" });
      await until(w.page, () => window.events.some((e) => e.type === "notification"));

      const notes = await events(w.page, "notification");
      assert.deepEqual(notes.map((n) => [n.id, n.replayed]), [[id, false]]);
      assert.deepEqual(await events(w.page, "closed"), [], "no close at all (no 4001)");
      assert.equal(w.sockets.length, 1, "one socket for the whole test");
      assert.equal(w.sockets[0].closedAt, null);
      assert.equal(issued.length, 2, "getToken: one connect, one renewal");
      assert.equal((await w.page.evaluate(() => window.snapshot())).stats.errors, 0, "the hub accepted the renewal");
      assert.doesNotMatch(f.hub.logText(), /4001|token expired/);
      assert.equal((await f.hub.status()).sockets, 1);
    });
  });

  it("an operator disconnect (4003) is terminal: state closed and no new socket", async (t) => {
    const context = await f.browser.newContext();
    t.after(() => context.close());
    await withArtifacts(t.name, { hub: f.hub, pages: () => f.pages }, async () => {
      await f.hub.waitSockets(0); // the previous test's socket is gone, so the count below is ours
      const user = "teacher-disconnect";
      const token = await f.hub.token(user);
      let calls = 0;
      const w = await openClientPage(context, {
        staticOrigin: f.site.origin,
        hubUrl: f.hub.url,
        tokens: () => (calls++, token),
        label: "disconnect",
      });
      f.pages.push(w);
      await w.page.evaluate((o) => window.start(o), { url: f.hub.wsUrl, timings: FAST_TIMINGS });
      await until(w.page, () => window.client.state === "open");
      await f.hub.waitSockets(1);

      const answer = await f.hub.disconnectUser(user);
      assert.deepEqual(answer, { user_id: user, sockets_closed: 1 });
      await until(w.page, () => window.events.some((e) => e.type === "closed"));

      // For several backoff windows: no socket at the hub, none opened by the page.
      for (let i = 0; i < 12; i++) {
        assert.equal((await f.hub.status()).sockets, 0, "no socket came back");
        assert.equal((await w.page.evaluate(() => window.snapshot())).state, "closed");
        await sleep(250);
      }
      await f.hub.publish(user, "class_created", { class_id: "c-after" });
      await sleep(300);

      const closes = (await events(w.page, "closed")).map(({ at, type, ...c }) => c);
      assert.deepEqual(closes, [{ code: 4003, reason: "disconnected by operator", terminal: true, willRetry: false }]);
      assert.equal(w.sockets.length, 1, "the page opened no new socket");
      assert.equal(calls, 1, "no new token was asked for");
      assert.deepEqual(await events(w.page, "notification"), []);
      const states = (await events(w.page, "state")).map((s) => s.state);
      assert.deepEqual(states, ["connecting", "open", "closed"]);
    });
  });
});
