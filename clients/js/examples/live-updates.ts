// The platform's frontend (Vue 3 + Pinia, see the README) wired to the hub: one plugin install in
// main.ts and one setup store that turns notifications into dashboard updates.
//
//   // main.ts
//   const app = createApp(App);
//   const pinia = createPinia();
//   app.use(pinia);
//   app.use(router);
//   installNotificationHub(app, pinia, import.meta.env.VITE_HUB_URL); // e.g. "wss://hub.example/ws"
//   useLiveUpdatesStore(pinia); // once, so it listens from the start
//   app.mount("#app");
//
// This file is type-checked and run by the package's tests (test/example.test.ts) against stand-ins
// for the platform's `useAuthStore` and `useDashboardStore`.

import type { Notification } from "@huleedu/notification-hub-client";
import { HubPlugin, useNotificationHub, type HubPluginOptions } from "@huleedu/notification-hub-client/vue";
import { defineStore, type Pinia } from "pinia";
import { computed, type App } from "vue";
import { useAuthStore } from "@/stores/auth";
import { useDashboardStore, type DashboardBatch } from "@/stores/dashboard";

export function installNotificationHub(app: App, pinia: Pinia, url: string, more: Partial<HubPluginOptions> = {}) {
  app.use(HubPlugin, {
    url,
    // One socket for all of a teacher's tabs (each tab still gets every notification).
    shareAcrossTabs: true,
    // Called for every connect and every renewal. If the identity service can refresh a token
    // near its expiry, do it here; null (signed out) closes the client for good.
    getToken: () => useAuthStore(pinia).token,
    // After a gap the hub could not replay: reload first. Live frames wait until this settles, so
    // none is applied to a list that fetchDashboard() is about to replace.
    onResync: () => useDashboardStore(pinia).fetchDashboard(),
    ...more,
  });
}

/** How many applied ids the store remembers to stay idempotent. */
const REMEMBER = 1000;

export const useLiveUpdatesStore = defineStore("liveUpdates", () => {
  const hub = useNotificationHub();
  const auth = useAuthStore();
  const dashboard = useDashboardStore();
  const applied = new Set<string>();

  /** Applies a notification once: the same id (in the same epoch) again changes nothing. */
  function apply(n: Notification) {
    if (n.id !== null) {
      const key = `${n.epoch}/${n.id}`;
      if (applied.has(key)) return;
      applied.add(key);
      if (applied.size > REMEMBER) applied.delete(applied.values().next().value!);
    }
    const batchId = n.data.batch_id;
    if (typeof batchId !== "string") return;
    if (n.event === "batch_status_updated") {
      const update = batchUpdate(n.data, dashboard.batches.find((b) => b.id === batchId));
      if (update) dashboard.updateBatchFromWebSocket(batchId, update);
    }
  }

  // Removed with the store's scope (pinia's $dispose), like a component's with its unmount.
  hub.onNotification(apply);

  // Connect once signed in; disconnect on clearAuth (logout; a reload signs out too).
  auth.$onAction(({ name, after }) => {
    if (name === "setAuth") after(() => hub.client?.connect());
    if (name === "clearAuth") after(() => hub.client?.disconnect());
  });
  if (auth.isAuthenticated) hub.client?.connect();

  return {
    connection: computed(() => hub.state.value),
    lastClose: computed(() => hub.lastClose.value),
    nextRetryAt: computed(() => hub.nextRetryAt.value),
    apply,
  };
});

/**
 * What a `batch_status_updated` changes in a batch the store holds (`batch_id`, `status`,
 * `completed_essays`, `failed_essays`, `processing_phase`, `completed_at`), or null for a batch
 * it does not hold. The dashboard shows `state`, `statusLabel` and `progressPercent`, so an update
 * sets those, not only `status`. Mapping statuses to states is the platform's call; this one sends
 * failures to "attention" and finished batches to "complete".
 */
export function batchUpdate(d: Record<string, unknown>, batch: DashboardBatch | undefined): Partial<DashboardBatch> | null {
  if (!batch) return null;
  const status = typeof d.status === "string" ? d.status : batch.status;
  const completedEssays = typeof d.completed_essays === "number" ? d.completed_essays : batch.completedEssays;
  const state: DashboardBatch["state"] = /fail|error/i.test(status)
    ? "attention"
    : d.completed_at != null || /complete/i.test(status)
      ? "complete"
      : "processing";
  return {
    status,
    state,
    statusLabel: status.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()),
    completedEssays,
    progressPercent: batch.totalEssays ? Math.round((100 * completedEssays) / batch.totalEssays) : batch.progressPercent,
  };
}
