// The platform's dashboard store as ../shared/FRONTEND.md describes it (stores/dashboard.ts):
// fetchDashboard replaces the whole list after a short delay; updateBatchFromWebSocket merges a
// partial batch into the one with that id and changes nothing for an unknown id.
import { defineStore } from "pinia";
import { ref } from "vue";

export interface DashboardBatch {
  id: string;
  batchCode: string;
  title: string;
  className: string | null;
  state: "attention" | "processing" | "complete" | "archived";
  status: string;
  statusLabel: string;
  totalEssays: number;
  completedEssays: number;
  progressPercent: number;
  progressLabel: string | null;
  timeDisplay: string;
  deviationCount?: number;
  autoConfirmCountdown?: number;
  isHighPriority: boolean;
  createdAt: string;
}

export const batch = (id: string, over: Partial<DashboardBatch> = {}): DashboardBatch => ({
  id,
  batchCode: id.toUpperCase(),
  title: `Batch ${id}`,
  className: null,
  state: "processing",
  status: "processing",
  statusLabel: "Processing",
  totalEssays: 20,
  completedEssays: 0,
  progressPercent: 0,
  progressLabel: null,
  timeDisplay: "now",
  isHighPriority: false,
  createdAt: "2026-12-07T00:00:00Z",
  ...over,
});

/** What the next fetchDashboard() returns (a test sets it). */
export const server = { batches: [batch("b-1")] as DashboardBatch[] };

export const useDashboardStore = defineStore("dashboard", () => {
  const batches = ref<DashboardBatch[]>([]);
  const isLoading = ref(false);
  const updates: [string, Partial<DashboardBatch>][] = [];
  async function fetchDashboard() {
    isLoading.value = true;
    await new Promise((r) => setTimeout(r, 300));
    batches.value = structuredClone(server.batches);
    isLoading.value = false;
  }
  function updateBatchFromWebSocket(batchId: string, update: Partial<DashboardBatch>) {
    updates.push([batchId, update]);
    const b = batches.value.find((x) => x.id === batchId);
    if (b) Object.assign(b, update);
  }
  function clearDashboard() {
    batches.value = [];
  }
  return { batches, isLoading, updates, fetchDashboard, updateBatchFromWebSocket, clearDashboard };
});
