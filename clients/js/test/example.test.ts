// @vitest-environment happy-dom
// The documented store example (examples/live-updates.ts), run against stand-ins for the
// platform's auth and dashboard stores.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createPinia, setActivePinia } from "pinia";
import { createApp } from "vue";
import { installNotificationHub, useLiveUpdatesStore, batchUpdate } from "../examples/live-updates.js";
import { useAuthStore } from "./platform/stores/auth.js";
import { batch, server, useDashboardStore } from "./platform/stores/dashboard.js";
import type { Notification } from "../src/index.js";
import { FakeSocket, jwt, last, MemoryStorage, note, tick, world } from "./fakes.js";

beforeEach(() => {
  world();
  server.batches = [batch("b-1"), batch("b-2")];
});
afterEach(() => vi.useRealTimers());

const user = { id: "teacher-1", email: "t@example.org", name: "T", roles: ["teacher"] };
const status = (id: string, batchId: string, data: object, epoch = "e1") =>
  note(id, epoch, { event: "batch_status_updated", data: { batch_id: batchId, ...data } });

function platform() {
  const app = createApp({ render: () => null });
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  installNotificationHub(app, pinia, "ws://hub.test/ws", {
    WebSocket: FakeSocket,
    storage: new MemoryStorage(),
    timings: { pingInterval: 60_000, backoffBase: 100 },
  });
  const live = app.runWithContext(() => useLiveUpdatesStore(pinia));
  return { app, live, auth: useAuthStore(pinia), dashboard: useDashboardStore(pinia) };
}

describe("the Pinia store example", () => {
  it("connects on setAuth with the auth store's token and disconnects on clearAuth", async () => {
    const { auth, live } = platform();
    await tick(1000);
    expect(FakeSocket.all).toHaveLength(0);
    auth.setAuth(jwt("teacher-1"), user);
    await tick();
    expect(last().param("token")).toBe(jwt("teacher-1"));
    last().open();
    expect(live.connection).toBe("open");
    auth.clearAuth();
    expect(last().closedByClient).toBe(1000);
    expect(live.connection).toBe("closed");
    await tick(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("puts batch_status_updated into updateBatchFromWebSocket, visibly and once per id", async () => {
    const { auth, dashboard, live } = platform();
    await dashboardLoaded(dashboard);
    auth.setAuth(jwt("teacher-1"), user);
    await tick();
    last().open();
    last().frame(status("1-0", "b-1", { status: "processing", completed_essays: 5 }));
    last().frame(status("2-0", "b-unknown", { status: "completed" }));
    await tick();
    expect(dashboard.batches[0]).toMatchObject({ state: "processing", completedEssays: 5, progressPercent: 25, statusLabel: "Processing" });
    expect(dashboard.updates.map(([id]) => id)).toEqual(["b-1"]); // unknown ids change nothing
    live.apply({ ...status("1-0", "b-1", { status: "failed" }), replayed: true } as Notification); // the same id again
    expect(dashboard.batches[0]!.state).toBe("processing");
    last().frame(status("3-0", "b-1", { status: "completed", completed_essays: 20, completed_at: "2026-12-07T01:00:00Z" }));
    expect(dashboard.batches[0]).toMatchObject({ state: "complete", progressPercent: 100 });
  });

  it("reloads the dashboard on resync before it applies live frames", async () => {
    const { auth, dashboard } = platform();
    await dashboardLoaded(dashboard);
    auth.setAuth(jwt("teacher-1"), user);
    await tick();
    last().open();
    server.batches = [batch("b-1", { completedEssays: 10, progressPercent: 50 }), batch("b-3")];
    last().frame({ type: "resync", epoch: "e2" });
    last().frame(status("1-0", "b-3", { status: "processing", completed_essays: 2 }, "e2"));
    await tick(100);
    expect(dashboard.isLoading).toBe(true);
    expect(dashboard.updates).toEqual([]); // held while fetchDashboard runs
    await tick(300);
    expect(dashboard.batches.map((b) => b.id)).toEqual(["b-1", "b-3"]);
    expect(dashboard.batches[1]).toMatchObject({ completedEssays: 2, progressPercent: 10 });
  });
});

describe("batchUpdate", () => {
  it("maps failures to attention and leaves unknown batches alone", () => {
    expect(batchUpdate({ status: "failed" }, batch("b"))).toMatchObject({ state: "attention", statusLabel: "Failed" });
    expect(batchUpdate({ status: "completed" }, undefined)).toBeNull();
  });
});

async function dashboardLoaded(dashboard: ReturnType<typeof useDashboardStore>) {
  const done = dashboard.fetchDashboard();
  await tick(300);
  await done;
}
