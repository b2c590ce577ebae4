import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeSocket, jwt, last, note, opened, setRandom, tab, tick, URL_, world } from "./fakes.js";

beforeEach(world);
afterEach(() => vi.useRealTimers());

const sockets = () => FakeSocket.all.length;

describe("connecting", () => {
  it("fetches a token, opens one socket with it and no resume point, and reports the states", async () => {
    const t = tab();
    expect(t.client.state).toBe("idle");
    expect(t.client.isLeader).toBe(false);
    const ws = await opened(t);
    expect(t.getToken).toHaveBeenCalledTimes(1);
    expect(ws.url.origin + ws.url.pathname).toBe(URL_);
    expect(ws.param("token")).toBe(await t.getToken.mock.results[0]!.value);
    expect(ws.param("since")).toBeNull();
    expect(ws.param("epoch")).toBeNull();
    expect(t.events).toEqual(["state:connecting", "state:open"]);
    expect(t.client.isLeader).toBe(true);
  });

  it("gives notifications to the app with replayed false unless the hub marked them", async () => {
    const t = tab();
    const got: unknown[] = [];
    t.client.on("notification", (n) => got.push(n));
    const ws = await opened(t);
    ws.frame(note("5-0"));
    ws.frame(note("6-0", "e1", { replayed: true }));
    expect(got).toEqual([
      { ...note("5-0"), replayed: false },
      { ...note("6-0"), replayed: true },
    ]);
    expect(t.client.lastId).toBe("6-0");
    expect(t.client.epoch).toBe("e1");
  });

  it("stops calling a listener once it unsubscribes, and survives a listener that throws", async () => {
    const t = tab();
    const report = vi.spyOn(console, "error").mockImplementation(() => {});
    const seen: string[] = [];
    const off = t.client.on("notification", (n) => seen.push(n.id!));
    t.client.on("notification", () => {
      throw new Error("app bug");
    });
    const ws = await opened(t);
    ws.frame(note("1-0"));
    off();
    ws.frame(note("2-0"));
    expect(seen).toEqual(["1-0"]);
    expect(t.notes.map((n) => n.id)).toEqual(["1-0", "2-0"]);
    expect(report).toHaveBeenCalledTimes(2);
    report.mockRestore();
  });

  it("does nothing on connect() while already connecting or open", async () => {
    const t = tab();
    await opened(t);
    t.client.connect();
    await tick(900);
    expect(sockets()).toBe(1);
    expect(t.getToken).toHaveBeenCalledTimes(1);
  });
});

describe("the close-code policy", () => {
  for (const code of [1008, 1009, 4000, 4003]) {
    it(`${code} is terminal: closed, no retry, and connect() starts afresh with a new token`, async () => {
      const t = tab();
      const closes: unknown[] = [];
      t.client.on("closed", (c) => closes.push(c));
      const ws = await opened(t);
      ws.serverClose(code, "why");
      expect(closes).toEqual([{ code, reason: "why", terminal: true, willRetry: false }]);
      expect(t.client.state).toBe("closed");
      expect(t.client.nextRetryAt).toBeNull();
      await tick(60_000);
      expect(sockets()).toBe(1);
      t.client.connect();
      await tick();
      expect(t.getToken).toHaveBeenCalledTimes(2);
      expect(sockets()).toBe(2);
    });
  }

  it("4001 fetches a fresh token, then reconnects at once with it and resumes", async () => {
    let n = 0;
    const t = tab({}, () => jwt("teacher-1", 3600, n++));
    const ws = await opened(t);
    ws.frame(note("7-0"));
    setRandom(0.99);
    ws.serverClose(4001, "token expired");
    expect(t.client.nextRetryAt! - Date.now()).toBeLessThan(50);
    await tick(50);
    expect(t.getToken).toHaveBeenCalledTimes(2);
    expect(sockets()).toBe(2);
    expect(last().param("token")).toBe(jwt("teacher-1", 3600, 1));
    expect(last().param("since")).toBe("7-0");
    expect(t.events).toContain("closed:4001:retry");
  });

  it("4002 resumes within the small jitter window and reuses the token", async () => {
    const t = tab();
    const ws = await opened(t);
    ws.frame(note("7-3"));
    setRandom(0.99);
    ws.serverClose(4002);
    await tick(49);
    expect(sockets()).toBe(2);
    expect(t.getToken).toHaveBeenCalledTimes(1);
    expect(last().param("token")).toBe(ws.param("token"));
    expect(last().param("since")).toBe("7-3");
    expect(last().param("epoch")).toBe("e1");
  });

  for (const code of [1001, 4004]) {
    it(`${code} spreads the first attempt over several seconds`, async () => {
      const t = tab();
      const ws = await opened(t);
      setRandom(0.9);
      ws.serverClose(code);
      expect(t.client.state).toBe("reconnecting");
      expect(t.client.nextRetryAt).toBe(Date.now() + 2700);
      await tick(2699);
      expect(sockets()).toBe(1);
      await tick(1);
      expect(sockets()).toBe(2);
    });
  }

  for (const code of [1006, 1011, 1000, 4999]) {
    it(`${code} backs off within the first window and keeps the token`, async () => {
      const t = tab();
      const ws = await opened(t);
      setRandom(0.99);
      ws.serverClose(code);
      expect(t.client.nextRetryAt! - Date.now()).toBeCloseTo(99, 0);
      await tick(100);
      expect(sockets()).toBe(2);
      expect(t.getToken).toHaveBeenCalledTimes(1);
    });
  }

  it("after a failed handshake fetches a fresh token, and the windows double up to the cap", async () => {
    const t = tab();
    t.client.connect();
    await tick();
    setRandom(1);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      last().serverClose(1006); // before open: a refused handshake
      delays.push(t.client.nextRetryAt! - Date.now());
      await tick(delays[i]!);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600, 1600, 1600]);
    expect(t.getToken).toHaveBeenCalledTimes(8);
    // "state" also fires when only nextRetryAt changed; the states themselves:
    expect(new Set(t.events.filter((e) => e.startsWith("state:")))).toEqual(new Set(["state:connecting", "state:reconnecting"]));
    expect(t.client.state).toBe("reconnecting");
  });

  it("resets the attempt counter only after the connection stayed up for the stability period", async () => {
    const t = tab({ timings: { pingInterval: 60_000 } });
    await opened(t);
    setRandom(1);
    const windowAfterClose = async (upFor: number) => {
      last().serverClose(1006);
      const d = t.client.nextRetryAt! - Date.now();
      await tick(d);
      last().open();
      await tick(upFor);
      return d;
    };
    expect(await windowAfterClose(1999)).toBe(100);
    expect(await windowAfterClose(1999)).toBe(200); // opened, but not for long enough
    expect(await windowAfterClose(2000)).toBe(400);
    expect(await windowAfterClose(0)).toBe(100); // the previous connection was stable
  });

  it("never reconnects after disconnect(), even with a retry pending or a late close", async () => {
    const t = tab();
    const ws = await opened(t);
    ws.serverClose(1006);
    t.client.disconnect();
    expect(t.client.state).toBe("closed");
    expect(t.client.nextRetryAt).toBeNull();
    await tick(60_000);
    expect(sockets()).toBe(1);

    t.client.connect();
    await tick();
    const second = last();
    second.open();
    t.client.disconnect();
    expect(second.closedByClient).toBe(1000);
    second.serverClose(1006);
    await tick(60_000);
    expect(sockets()).toBe(2);
    expect(t.client.state).toBe("closed");
  });

  it("closes and stays closed when getToken says signed out", async () => {
    const t = tab({}, () => null);
    const closes: unknown[] = [];
    t.client.on("closed", (c) => closes.push(c));
    t.client.connect();
    await tick(60_000);
    expect(sockets()).toBe(0);
    expect(t.client.state).toBe("closed");
    expect(closes).toEqual([{ code: 1000, reason: "signed out", terminal: true, willRetry: false }]);
  });

  it("reports a socket the browser refuses to create and retries with backoff", async () => {
    const report = vi.spyOn(console, "error").mockImplementation(() => {});
    let refuse = true;
    class Refusing extends FakeSocket {
      constructor(url: string) {
        if (refuse) throw new SyntaxError("bad url");
        super(url);
      }
    }
    const t = tab({ env: { WebSocket: Refusing } });
    t.client.connect();
    await tick();
    expect(report).toHaveBeenCalledTimes(1);
    expect(t.client.state).toBe("reconnecting");
    refuse = false;
    await tick(100);
    expect(sockets()).toBe(1);
    expect(t.getToken).toHaveBeenCalledTimes(2); // fresh token, as after a failed handshake
    report.mockRestore();
  });

  it("retries with backoff when getToken fails", async () => {
    let fail = true;
    const t = tab({}, () => {
      if (fail) throw new Error("identity service down");
      return jwt("teacher-1");
    });
    t.client.connect();
    await tick();
    expect(sockets()).toBe(0);
    expect(t.client.state).toBe("reconnecting");
    fail = false;
    await tick(100);
    expect(sockets()).toBe(1);
  });
});

describe("resume and dedupe", () => {
  it("sends since and epoch of the last notification on every reconnect", async () => {
    const t = tab();
    const ws = await opened(t);
    ws.frame(note("10-0", "ep"));
    ws.frame(note("10-1", "ep"));
    ws.serverClose(1006);
    await tick(1000);
    expect(last().param("since")).toBe("10-1");
    expect(last().param("epoch")).toBe("ep");
  });

  it("never gives the same notification twice, comparing ids as integer pairs", async () => {
    const t = tab();
    const ws = await opened(t);
    ws.frame(note("9-0"));
    ws.frame(note("10-0")); // after 9-0 although "10-0" < "9-0" as strings
    ws.frame(note("9-5"));
    ws.frame(note("10-0"));
    ws.frame(note("10-1"));
    expect(t.notes.map((n) => n.id)).toEqual(["9-0", "10-0", "10-1"]);
    expect(t.client.stats.duplicates).toBe(2);
  });

  it("drops a replay's overlap with what the app already has", async () => {
    const t = tab();
    const ws = await opened(t);
    ws.frame(note("1-0"));
    ws.frame(note("2-0"));
    ws.serverClose(4002);
    await tick(100);
    last().open();
    for (const id of ["2-0", "3-0"]) last().frame(note(id, "e1", { replayed: true }));
    expect(t.notes).toEqual([
      { id: "1-0", replayed: false },
      { id: "2-0", replayed: false },
      { id: "3-0", replayed: true },
    ]);
  });

  it("never deduplicates legacy frames with a null id, and they never move lastId", async () => {
    const t = tab();
    const ws = await opened(t);
    ws.frame(note("4-0"));
    ws.frame(note(null, null));
    ws.frame(note(null, null));
    expect(t.notes.map((n) => n.id)).toEqual(["4-0", null, null]);
    expect(t.client.lastId).toBe("4-0");
    expect(t.client.epoch).toBe("e1");
  });

  it("on resync awaits onResync, holding live frames, then emits resync and delivers them in order", async () => {
    let reloaded!: () => void;
    const onResync = vi.fn(() => new Promise<void>((r) => (reloaded = r)));
    const t = tab({ onResync });
    const ws = await opened(t);
    ws.frame(note("50-0", "old"));
    ws.frame({ type: "resync", epoch: "new" });
    ws.frame(note("3-0", "new")); // lower than 50-0: the resync cleared the mark
    ws.frame(note("4-0", "new"));
    await tick();
    expect(onResync).toHaveBeenCalledWith({ epoch: "new" });
    expect(t.notes.map((n) => n.id)).toEqual(["50-0"]);
    expect(t.events).not.toContain("resync:new");
    reloaded();
    await tick();
    expect(t.events.filter((e) => !e.startsWith("state"))).toEqual(["resync:new"]);
    expect(t.notes.map((n) => n.id)).toEqual(["50-0", "3-0", "4-0"]);
    expect(t.client.lastId).toBe("4-0");
    expect(t.client.epoch).toBe("new");
  });

  it("drops held frames and emits no resync when disconnect() comes while onResync runs", async () => {
    let reloaded!: () => void;
    const t = tab({ onResync: () => new Promise<void>((r) => (reloaded = r)) });
    const ws = await opened(t);
    ws.frame({ type: "resync", epoch: "e2" });
    ws.frame(note("1-0", "e2"));
    await tick();
    t.client.disconnect();
    reloaded();
    await tick();
    expect(t.events).not.toContain("resync:e2");
    expect(t.notes).toEqual([]);
  });

  it("goes on after a failing onResync", async () => {
    const report = vi.spyOn(console, "error").mockImplementation(() => {});
    const t = tab({ onResync: () => Promise.reject(new Error("reload failed")) });
    const ws = await opened(t);
    ws.frame({ type: "resync", epoch: "e9" });
    ws.frame(note("1-0", "e9"));
    await tick();
    expect(t.events).toContain("resync:e9");
    expect(t.notes.map((n) => n.id)).toEqual(["1-0"]);
    expect(report).toHaveBeenCalled();
    report.mockRestore();
  });

  it("after a resync, a reconnect before the next notification resumes from the old point (so the hub says resync again)", async () => {
    const t = tab();
    const ws = await opened(t);
    ws.frame(note("8-0", "old"));
    ws.frame({ type: "resync", epoch: "new" });
    await tick();
    expect(t.client.lastId).toBeNull();
    ws.serverClose(1006);
    await tick(1000);
    expect(last().param("since")).toBe("8-0");
    expect(last().param("epoch")).toBe("old");
    last().open();
    last().frame(note("1-0", "new"));
    last().serverClose(1006);
    await tick(1000);
    expect(last().param("since")).toBe("1-0");
    expect(last().param("epoch")).toBe("new");
  });
});

describe("storage", () => {
  it("keeps the resume point under a key named by the hub URL and the token's sub, and resumes after a reload", async () => {
    const t = tab();
    const ws = await opened(t);
    ws.frame(note("12-4", "ep"));
    expect([...t.storage.map]).toEqual([[`hub-client:${URL_}:teacher-1`, '["12-4","ep"]']]);
    t.client.disconnect();

    const reloaded = tab({ storage: t.storage });
    reloaded.client.connect();
    await tick();
    expect(last().param("since")).toBe("12-4");
    expect(reloaded.client.lastId).toBe("12-4");
  });

  it("never resumes one user from another user's point", async () => {
    const a = tab();
    const wsA = await opened(a);
    wsA.frame(note("12-4", "ep"));
    const b = tab({ storage: a.storage }, () => jwt("teacher-2"));
    await opened(b);
    expect(last().param("since")).toBeNull();
    last().frame(note("1-0", "ep"));
    expect(a.storage.getItem(`hub-client:${URL_}:teacher-1`)).toBe('["12-4","ep"]');
    expect(a.storage.getItem(`hub-client:${URL_}:teacher-2`)).toBe('["1-0","ep"]');
  });

  it("switches to the new user's resume point when the token's sub changes on a reconnect", async () => {
    let user = "teacher-1";
    const t = tab({}, () => jwt(user));
    t.storage.setItem(`hub-client:${URL_}:teacher-2`, '["77-0","e2"]');
    const ws = await opened(t);
    ws.frame(note("5-0"));
    user = "teacher-2";
    ws.serverClose(4001);
    await tick(100);
    expect(last().param("since")).toBe("77-0");
    expect(last().param("epoch")).toBe("e2");
    expect(t.client.lastId).toBe("77-0");
  });

  it("stores nothing with storage: null, and ignores an unreadable entry", async () => {
    const t = tab({ storage: null });
    const ws = await opened(t);
    ws.frame(note("1-0"));
    expect(t.storage.map.size).toBe(0);

    const u = tab();
    u.storage.setItem(`hub-client:${URL_}:teacher-1`, "{not json");
    await opened(u);
    expect(last().param("since")).toBeNull();
  });
});

describe("token renewal", () => {
  const expiring = { type: "token_expiring", exp: 1_800_000_060 };

  it("fetches one token per token_expiring and sends it once", async () => {
    let n = 0;
    let resolve!: (tk: string) => void;
    const t = tab();
    t.getToken.mockImplementation(() => (n++ === 0 ? Promise.resolve(jwt("teacher-1")) : new Promise<string>((r) => (resolve = r))));
    const ws = await opened(t);
    ws.frame(expiring);
    ws.frame(expiring);
    await tick();
    expect(t.getToken).toHaveBeenCalledTimes(2); // connect + one renewal in flight
    resolve(jwt("teacher-1", 3600, 1));
    await tick();
    expect(ws.sentOf("auth")).toEqual([{ type: "auth", token: jwt("teacher-1", 3600, 1) }]);
  });

  it("never sends the same token twice, and retries with jitter until exp", async () => {
    const t = tab();
    const ws = await opened(t);
    ws.frame({ type: "token_expiring", exp: Math.floor(Date.now() / 1000) + 1 });
    await tick(5000);
    expect(ws.sentOf("auth")).toEqual([]); // getToken kept giving the token in use
    const calls = t.getToken.mock.calls.length;
    expect(calls).toBeGreaterThanOrEqual(8); // ~ every 100 ms ± 50 % for 1 s
    expect(calls).toBeLessThanOrEqual(22);
  });

  it("retries a failed renewal fetch with jitter and sends the token once it comes", async () => {
    let failures = 3;
    const t = tab({}, () => {
      if (t.getToken.mock.calls.length > 1 && failures-- > 0) throw new Error("identity service down");
      return jwt("teacher-1", 3600, t.getToken.mock.calls.length > 1 ? 1 : 0);
    });
    const ws = await opened(t);
    ws.frame(expiring);
    await tick(1000);
    expect(t.getToken).toHaveBeenCalledTimes(5); // connect, three failures, the success
    const renewed = await t.getToken.mock.results[4]!.value;
    expect(renewed).not.toBe(ws.param("token"));
    expect(ws.sentOf("auth")).toEqual([{ type: "auth", token: renewed }]);
  });

  it("tries again after the hub refused the new token, without resending it", async () => {
    let n = 0;
    const t = tab({}, () => jwt("teacher-1", 3600, n < 2 ? n++ : 1));
    const ws = await opened(t);
    ws.frame(expiring);
    await tick();
    expect(ws.sentOf("auth")).toHaveLength(1);
    const before = t.getToken.mock.calls.length;
    ws.frame({ type: "error", code: "auth_failed", message: "bad" });
    await tick(150);
    expect(t.getToken.mock.calls.length).toBeGreaterThan(before);
    expect(ws.sentOf("auth")).toHaveLength(1);
    expect(t.client.stats.errors).toBe(1);
  });

  it("never sends a token fetched for an older connection on a newer one", async () => {
    const pending: ((tk: string) => void)[] = [];
    const t = tab();
    const first = await opened(t);
    t.getToken.mockImplementation(() => new Promise<string>((r) => pending.push(r)));
    first.frame(expiring);
    await tick();
    first.serverClose(4002); // replaced while the renewal token is being fetched
    await tick(100);
    pending.shift()!(jwt("teacher-1", 3600, 1)); // the late renewal token
    await tick();
    expect(first.sentOf("auth")).toEqual([]);
    const second = last();
    second.open();
    await tick();
    expect(second.sentOf("auth")).toEqual([]);
    // The newer connection asks for itself and gets its own fetch.
    second.frame(expiring);
    await tick();
    pending.shift()!(jwt("teacher-1", 3600, 2));
    await tick();
    expect(second.sentOf("auth")).toEqual([{ type: "auth", token: jwt("teacher-1", 3600, 2) }]);
  });

  it("lets the newer connection renew when it asked while an older fetch was in flight", async () => {
    const pending: ((tk: string) => void)[] = [];
    const t = tab();
    const first = await opened(t);
    t.getToken.mockImplementation(() => new Promise<string>((r) => pending.push(r)));
    first.frame(expiring);
    await tick();
    t.getToken.mockImplementation(async () => jwt("teacher-1", 3600, 5));
    first.serverClose(4002);
    await tick(100);
    const second = last();
    second.open();
    second.frame(expiring); // the old fetch is still in flight: one at a time
    await tick();
    expect(second.sentOf("auth")).toEqual([]);
    pending.shift()!(jwt("teacher-1", 3600, 1));
    await tick();
    expect(second.sentOf("auth")).toEqual([{ type: "auth", token: jwt("teacher-1", 3600, 5) }]);
  });

  it("closes for good when the renewal finds the user signed out", async () => {
    let signedIn = true;
    const t = tab({}, () => (signedIn ? jwt("teacher-1") : null));
    const ws = await opened(t);
    signedIn = false;
    ws.frame(expiring);
    await tick(60_000);
    expect(ws.closedByClient).toBe(1000);
    expect(t.client.state).toBe("closed");
    expect(t.events).toContain("closed:1000:terminal");
    expect(sockets()).toBe(1);
  });
});

describe("dead connections", () => {
  it("pings every interval and keeps a socket that answers", async () => {
    const t = tab();
    const ws = await opened(t);
    for (let i = 1; i <= 3; i++) {
      await tick(1000);
      expect(ws.sentOf("ping")).toHaveLength(i);
      await tick(100);
      ws.frame({ type: "pong" });
    }
    expect(sockets()).toBe(1);
    expect(t.client.state).toBe("open");
  });

  it("replaces a socket that does not answer a ping within the pong timeout", async () => {
    const t = tab();
    const ws = await opened(t);
    await tick(1000);
    expect(ws.sentOf("ping")).toHaveLength(1);
    await tick(499);
    expect(t.client.state).toBe("open");
    await tick(1);
    expect(ws.closedByClient).toBeDefined();
    expect(t.events).toContain("closed:1006:retry");
    await tick(100);
    expect(sockets()).toBe(2);
  });

  it("probes with the short timeout when the ping timer fired late (a throttled or sleeping tab)", async () => {
    const t = tab();
    const ws = await opened(t);
    vi.setSystemTime(Date.now() + 10_000); // the wall clock moved on; the timer did not fire
    await tick(1000);
    expect(ws.sentOf("ping")).toHaveLength(1);
    await tick(200);
    expect(t.events).toContain("closed:1006:retry");
  });

  for (const [name, fire] of [
    ["visibilitychange to visible", (t: ReturnType<typeof tab>) => t.document.dispatchEvent(new Event("visibilitychange"))],
    ["online", (t: ReturnType<typeof tab>) => t.window.dispatchEvent(new Event("online"))],
    ["pageshow", (t: ReturnType<typeof tab>) => t.window.dispatchEvent(new Event("pageshow"))],
  ] as const) {
    it(`probes at once on ${name} and replaces an open socket that stays silent for the probe timeout`, async () => {
      const t = tab();
      const ws = await opened(t);
      await tick(300);
      fire(t);
      expect(ws.sentOf("ping")).toHaveLength(1);
      await tick(199);
      expect(sockets()).toBe(1);
      await tick(1);
      expect(ws.closedByClient).toBeDefined();
      expect(t.events).toContain("closed:1006:retry");
    });

    it(`keeps the socket after ${name} when it answers`, async () => {
      const t = tab();
      const ws = await opened(t);
      fire(t);
      ws.frame({ type: "pong" });
      await tick(600);
      expect(ws.closedByClient).toBeUndefined();
      expect(sockets()).toBe(1);
    });
  }

  it("does not probe when the tab becomes hidden", async () => {
    const t = tab();
    const ws = await opened(t);
    t.document.visibilityState = "hidden";
    t.document.dispatchEvent(new Event("visibilitychange"));
    expect(ws.sentOf("ping")).toHaveLength(0);
  });

  it("while offline waits for online instead of burning attempts", async () => {
    const t = tab();
    const ws = await opened(t);
    setRandom(1);
    t.navigator.onLine = false;
    ws.serverClose(1006);
    await tick(100);
    expect(sockets()).toBe(1);
    expect(t.client.state).toBe("reconnecting");
    expect(t.client.nextRetryAt).toBeNull();
    await tick(60_000);
    expect(sockets()).toBe(1);
    t.navigator.onLine = true;
    t.window.dispatchEvent(new Event("online"));
    await tick();
    expect(sockets()).toBe(2);
    // The wait used one attempt, not hundreds: the next window is the second one.
    last().serverClose(1006);
    expect(t.client.nextRetryAt! - Date.now()).toBe(200);
  });

  it("stops listening to the page after disconnect()", async () => {
    const t = tab();
    const ws = await opened(t);
    t.client.disconnect();
    t.window.dispatchEvent(new Event("online"));
    t.document.dispatchEvent(new Event("visibilitychange"));
    await tick(10_000);
    expect(ws.sentOf("ping")).toHaveLength(0);
    expect(sockets()).toBe(1);
  });
});

describe("server frames the client cannot use", () => {
  it("are counted, never thrown, and the socket goes on", async () => {
    const t = tab();
    const ws = await opened(t);
    ws.frame("not json");
    ws.frame("[1,2]");
    ws.frame({ type: "notification", id: "1-0" });
    ws.frame({ type: "notification", id: "abc", epoch: "e", event: "x", data: {} });
    ws.frame({ type: "presence", users: 3 });
    ws.onmessage?.({ data: new ArrayBuffer(4) });
    ws.frame(note("1-0"));
    expect(t.client.stats).toEqual({ malformed: 5, unknown: 1, duplicates: 0, errors: 0 });
    expect(t.notes.map((n) => n.id)).toEqual(["1-0"]);
    expect(t.client.state).toBe("open");
  });
});
