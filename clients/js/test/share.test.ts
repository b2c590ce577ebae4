import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeLocks, FakeSocket, fakeChannels, jwt, last, note, tab, tick, world, type Tab } from "./fakes.js";

beforeEach(world);
afterEach(() => vi.useRealTimers());

/** `n` tabs of one browser (shared locks and channels), each with its own page and storage. */
function browser() {
  const locks = new FakeLocks();
  const BroadcastChannel = fakeChannels();
  return (user = "teacher-1", options: Parameters<typeof tab>[0] = {}) =>
    tab({ shareAcrossTabs: true, ...options, env: { BroadcastChannel, navigator: { onLine: true, locks }, ...options.env } }, () => jwt(user));
}

async function connectAll(tabs: Tab[]) {
  for (const t of tabs) t.client.connect();
  await tick();
}

const ids = (t: Tab) => t.notes.map((n) => n.id);

describe("tab sharing", () => {
  it("holds one socket for three tabs of one user; the others get its frames and its state", async () => {
    const open = browser();
    const tabs = [open(), open(), open()];
    await connectAll(tabs);
    expect(FakeSocket.all).toHaveLength(1);
    expect(tabs.map((t) => t.client.isLeader)).toEqual([true, false, false]);
    last().open();
    last().frame(note("1-0"));
    last().frame(note("2-0"));
    await tick();
    for (const t of tabs) {
      expect(ids(t)).toEqual(["1-0", "2-0"]);
      expect(t.client.state).toBe("open");
      expect(t.client.lastId).toBe("2-0");
    }
  });

  it("tells a tab that joins later the leader's state", async () => {
    const open = browser();
    const first = open();
    await connectAll([first]);
    last().open();
    const late = open();
    await connectAll([late]);
    expect(late.client.state).toBe("open");
    expect(late.client.isLeader).toBe(false);
  });

  it("passes the leader's closes and retries on to the others", async () => {
    const open = browser();
    const [a, b] = [open(), open()];
    await connectAll([a, b]);
    last().open();
    last().serverClose(1006);
    await tick();
    expect(b.events).toContain("closed:1006:retry");
    expect(b.client.state).toBe("reconnecting");
    expect(b.client.nextRetryAt).toBe(a.client.nextRetryAt);
  });

  it("when the leader tab closes, another takes over and resumes from the last id: no gap, no duplicate", async () => {
    const open = browser();
    const tabs = [open(), open(), open()];
    await connectAll(tabs);
    const first = last();
    first.open();
    first.frame(note("1-0"));
    first.frame(note("2-0"));
    await tick();
    tabs[0]!.client.disconnect(); // the leader tab goes away
    await tick();
    expect(FakeSocket.all).toHaveLength(2);
    const next = tabs.find((t) => t.client.isLeader)!;
    expect(next).toBe(tabs[1]);
    expect(next.events.at(-1)).toBe("state:reconnecting"); // told its app it leads now
    expect(last().param("since")).toBe("2-0");
    last().open();
    // The hub replays from 2-0; a frame the old leader had already passed on must not repeat.
    last().frame(note("2-0", "e1", { replayed: true }));
    last().frame(note("3-0", "e1", { replayed: true }));
    last().frame(note("4-0"));
    await tick();
    for (const t of tabs.slice(1)) {
      expect(ids(t)).toEqual(["1-0", "2-0", "3-0", "4-0"]);
      expect(t.client.state).toBe("open");
    }
    expect(tabs[2]!.notes[2]).toEqual({ id: "3-0", replayed: true });
  });

  it("keeps two users in two tabs apart: two groups, two sockets, no crossed frames", async () => {
    const open = browser();
    const [a, b] = [open("teacher-1"), open("teacher-2")];
    await connectAll([a, b]);
    expect(FakeSocket.all).toHaveLength(2);
    expect([a.client.isLeader, b.client.isLeader]).toEqual([true, true]);
    const [wsA, wsB] = FakeSocket.all as [FakeSocket, FakeSocket];
    wsA.open();
    wsB.open();
    wsA.frame(note("1-0"));
    wsB.frame(note("9-0"));
    await tick();
    expect(ids(a)).toEqual(["1-0"]);
    expect(ids(b)).toEqual(["9-0"]);
  });

  it("leaves the group and starts afresh when the tab's user changes", async () => {
    const locks = new FakeLocks();
    const shared = { BroadcastChannel: fakeChannels(), navigator: { onLine: true, locks } };
    let user = "teacher-1";
    const a = tab({ shareAcrossTabs: true, env: shared }, () => jwt(user));
    const b = tab({ shareAcrossTabs: true, env: shared }, () => jwt("teacher-1"));
    await connectAll([a, b]);
    const first = last();
    first.open();
    first.frame(note("1-0"));
    await tick();
    user = "teacher-2";
    first.serverClose(4001); // a, the leader, gets another user's token for its reconnect
    await tick(100);
    const next = FakeSocket.all.slice(1);
    expect(next.map((s) => s.param("token")).sort()).toEqual([jwt("teacher-1"), jwt("teacher-2")].sort());
    expect([a.client.isLeader, b.client.isLeader]).toEqual([true, true]); // a leads a new group, b took over
    const forB = next.find((s) => s.param("token") === jwt("teacher-1"))!;
    const forA = next.find((s) => s.param("token") === jwt("teacher-2"))!;
    expect(forB.param("since")).toBe("1-0");
    expect(forA.param("since")).toBeNull();
    forA.open();
    forB.open();
    forA.frame(note("5-0"));
    forB.frame(note("2-0"));
    await tick();
    expect(ids(a)).toEqual(["1-0", "5-0"]);
    expect(ids(b)).toEqual(["1-0", "2-0"]);
  });

  it("stops every tab on a terminal close", async () => {
    const open = browser();
    const tabs = [open(), open()];
    await connectAll(tabs);
    last().open();
    last().serverClose(4003, "disconnected by operator");
    await tick(60_000);
    for (const t of tabs) {
      expect(t.client.state).toBe("closed");
      expect(t.events).toContain("closed:4003:terminal");
    }
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("holds the follower's frames while its own onResync runs", async () => {
    const open = browser();
    let reloaded!: () => void;
    const a = open();
    const b = open("teacher-1", { onResync: () => new Promise<void>((r) => (reloaded = r)) });
    await connectAll([a, b]);
    last().open();
    last().frame({ type: "resync", epoch: "e2" });
    last().frame(note("1-0", "e2"));
    await tick();
    expect(ids(a)).toEqual(["1-0"]);
    expect(ids(b)).toEqual([]);
    reloaded();
    await tick();
    expect(ids(b)).toEqual(["1-0"]);
    expect(b.events).toContain("resync:e2");
  });

  it("falls back to one socket per tab without Web Locks or BroadcastChannel", async () => {
    const noLocks = tab({ shareAcrossTabs: true, env: { navigator: { onLine: true } } });
    const noChannel = tab({ shareAcrossTabs: true, env: { BroadcastChannel: undefined, navigator: { onLine: true, locks: new FakeLocks() } } });
    await connectAll([noLocks, noChannel]);
    expect(FakeSocket.all).toHaveLength(2);
    expect([noLocks.client.isLeader, noChannel.client.isLeader]).toEqual([true, true]);
  });
});
