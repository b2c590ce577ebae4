// Fakes for the browser: a WebSocket the test drives from the server's side, window and document
// as plain EventTargets, an in-memory Storage, and Web Locks and BroadcastChannel shared between
// "tabs" of one test. Time is Vitest's fake timers.
import { vi } from "vitest";
import { createHubClient, type HubClient, type HubClientOptions, type HubEnv, type StorageLike } from "../src/index.js";

export const URL_ = "ws://hub.test/ws";

export class FakeSocket {
  /** Every socket made, in order, per test (reset by `world()`). */
  static all: FakeSocket[] = [];
  readonly sent: unknown[] = [];
  readonly url: URL;
  closedByClient: number | undefined;
  onopen: ((ev: unknown) => unknown) | null = null;
  onmessage: ((ev: { data: unknown }) => unknown) | null = null;
  onclose: ((ev: { code: number; reason: string }) => unknown) | null = null;

  constructor(url: string) {
    this.url = new URL(url);
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number) {
    this.closedByClient = code ?? 1005;
  }
  // The server's side:
  open() {
    this.onopen?.({});
  }
  frame(f: unknown) {
    this.onmessage?.({ data: typeof f === "string" ? f : JSON.stringify(f) });
  }
  serverClose(code: number, reason = "") {
    this.onclose?.({ code, reason });
  }
  param(name: string) {
    return this.url.searchParams.get(name);
  }
  /** The frames the client sent of one type. */
  sentOf(type: string) {
    return this.sent.filter((f) => (f as { type: string }).type === type);
  }
}

export const last = () => FakeSocket.all[FakeSocket.all.length - 1]!;

export class MemoryStorage implements StorageLike {
  readonly map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

/** An unsigned JWT for `sub`, expiring `ttl` seconds from the fake now. */
export function jwt(sub: string, ttl = 3600, n = 0): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "HS256" })}.${b64({ sub, exp: Math.floor(Date.now() / 1000) + ttl, n })}.sig`;
}

/** A notification frame with id `id` in epoch `epoch`. */
export const note = (id: string | null, epoch: string | null = "e1", extra: object = {}) => ({
  type: "notification",
  id,
  epoch,
  event: "batch_status_updated",
  category: "batch_progress",
  priority: "standard",
  timestamp: "2026-12-07T00:00:00Z",
  correlation_id: "c",
  data: { batch_id: "b-1" },
  ...extra,
});

/** Web Locks: exclusive locks by name, granted in request order, abortable while waiting. */
export class FakeLocks {
  private held = new Set<string>();
  private queue = new Map<string, (() => void)[]>();
  request(name: string, options: { signal?: AbortSignal }, cb: () => Promise<void> | void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const grant = () => {
        this.held.add(name);
        Promise.resolve()
          .then(cb)
          .finally(() => {
            this.held.delete(name);
            const next = this.queue.get(name)?.shift();
            next?.();
          })
          .then(resolve, reject);
      };
      if (!this.held.has(name)) return grant();
      const q = this.queue.get(name) ?? [];
      this.queue.set(name, q);
      q.push(grant);
      options.signal?.addEventListener("abort", () => {
        const i = q.indexOf(grant);
        if (i >= 0) {
          q.splice(i, 1);
          reject(new DOMException("aborted", "AbortError"));
        }
      });
    });
  }
}

/** BroadcastChannel: delivers asynchronously, to the other open channels of the same name. */
export function fakeChannels() {
  const open = new Set<FakeChannel>();
  class FakeChannel {
    onmessage: ((ev: { data: any }) => unknown) | null = null;
    constructor(readonly name: string) {
      open.add(this);
    }
    postMessage(m: unknown) {
      const data = structuredClone(m);
      for (const c of open) if (c !== this && c.name === this.name) queueMicrotask(() => open.has(c) && c.onmessage?.({ data }));
    }
    close() {
      open.delete(this);
    }
  }
  return FakeChannel;
}

export interface Tab {
  client: HubClient;
  window: EventTarget;
  document: EventTarget & { visibilityState: string };
  navigator: { onLine: boolean; locks?: FakeLocks };
  storage: MemoryStorage;
  getToken: ReturnType<typeof vi.fn<() => Promise<string | null>>>;
  /** What the app was given, in order. */
  notes: { id: string | null; replayed: boolean }[];
  events: string[];
}

let random = 0.5;
/** Sets what `env.random()` returns from now on. */
export const setRandom = (r: number) => (random = r);

/** Starts a test: fake timers at a fixed time, no sockets yet, `random()` at 0.5. */
export function world() {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
  FakeSocket.all = [];
  random = 0.5;
}

export function tab(options: Partial<HubClientOptions> & { env?: Partial<HubEnv> } = {}, token: () => string | null = () => jwt("teacher-1")): Tab {
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: "visible" });
  const navigator: Tab["navigator"] = { onLine: true };
  const storage = new MemoryStorage();
  const getToken = vi.fn(async () => token());
  const client = createHubClient({
    url: URL_,
    getToken,
    storage,
    ...options,
    timings: { pingInterval: 1000, pongTimeout: 500, probeTimeout: 200, backoffBase: 100, backoffMax: 1600, stability: 2000, resumeJitter: 50, spread: 3000, renewRetry: 100, ...options.timings },
    env: {
      WebSocket: FakeSocket,
      random: () => random,
      window,
      document,
      navigator,
      ...options.env,
    },
  });
  const t: Tab = { client, window, document, navigator, storage, getToken, notes: [], events: [] };
  client.on("notification", (n) => t.notes.push({ id: n.id, replayed: n.replayed }));
  client.on("state", (s) => t.events.push(`state:${s}`));
  client.on("closed", (c) => t.events.push(`closed:${c.code}:${c.terminal ? "terminal" : "retry"}`));
  client.on("resync", (r) => t.events.push(`resync:${r.epoch}`));
  return t;
}

/** Runs timers for `ms` and settles promises on the way. */
export const tick = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

/** Connects a tab and opens its socket. */
export async function opened(t: Tab) {
  t.client.connect();
  await tick();
  last().open();
  return last();
}
