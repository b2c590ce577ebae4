// Stands in for `/client/hub-client.js` in the page tests: records each client the page makes
// and lets the test play the hub's part by emitting its events.

import type { HubClient, HubClientOptions, HubEvents, HubState, HubStats } from "/client/hub-client.js";

export class FakeHubClient implements HubClient {
  state: HubState = "idle";
  lastId: string | null = null;
  epoch: string | null = null;
  nextRetryAt: number | null = null;
  isLeader = true;
  stats: HubStats = { malformed: 0, unknown: 0, duplicates: 0, errors: 0 };
  connects = 0;
  disconnects = 0;
  private listeners = new Map<string, Set<(value: never) => void>>();

  constructor(readonly options: HubClientOptions) {}

  on<K extends keyof HubEvents>(event: K, listener: (value: HubEvents[K]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener as (value: never) => void);
    return () => set.delete(listener as (value: never) => void);
  }

  emit<K extends keyof HubEvents>(event: K, value: HubEvents[K]): void {
    if (event === "state") this.state = value as HubState;
    for (const listener of this.listeners.get(event) ?? []) (listener as (v: HubEvents[K]) => void)(value);
  }

  connect(): void {
    this.connects += 1;
    this.emit("state", "connecting");
  }

  disconnect(): void {
    this.disconnects += 1;
    this.emit("state", "closed");
  }
}

/** Every client made, shared through `globalThis`: the page tests reload modules for each page. */
export const clients: FakeHubClient[] = ((globalThis as { __fakeHubClients?: FakeHubClient[] }).__fakeHubClients ??= []);

export function createHubClient(options: HubClientOptions): HubClient {
  const client = new FakeHubClient(options);
  clients.push(client);
  return client;
}
