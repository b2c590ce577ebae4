//! The hub client: one socket (or one per group of tabs), kept alive, resumed without gap or
//! duplicate, its token renewed in band. The policy lives in `policy.ts`; this file carries it out.

import { compareIds, isId } from "./ids.js";
import { closeAction, DEFAULT_TIMINGS, retryDelay, type CloseAction, type Timings } from "./policy.js";
import { parseFrame, type ClientFrame, type Notification, type NotificationFrame, type ResyncFrame } from "./frames.js";

export type HubState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface ClosedEvent {
  code: number;
  reason: string;
  /** No automatic retry follows (1008, 1009, 4000, 4003, signed out). */
  terminal: boolean;
  willRetry: boolean;
}

export interface HubEvents {
  notification: Notification;
  /** Emitted when `state` or `nextRetryAt` changes. */
  state: HubState;
  resync: { epoch: string };
  closed: ClosedEvent;
}

export interface HubStats {
  /** Frames that were not JSON objects with a `type`, or whose fields had the wrong shape. */
  malformed: number;
  /** Well-formed frames of a type this client does not know. */
  unknown: number;
  /** Notifications dropped because the app had already been given them. */
  duplicates: number;
  /** `error` frames from the hub. */
  errors: number;
}

/** The part of `Storage` the client uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The part of a browser `WebSocket` the client uses. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => unknown) | null;
  onmessage: ((ev: { data: unknown }) => unknown) | null;
  onclose: ((ev: { code: number; reason: string }) => unknown) | null;
}

export interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((ev: { data: any }) => unknown) | null;
}

export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void> | void): Promise<unknown>;
}

/** Everything the client takes from the browser; each can be replaced (tests use fakes). */
export interface HubEnv {
  WebSocket: new (url: string) => WebSocketLike;
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
  /** Where `online` and `pageshow` are heard. */
  window?: EventTargetLike;
  document?: EventTargetLike & { visibilityState?: string };
  navigator?: { onLine?: boolean; locks?: LockManagerLike };
  BroadcastChannel?: new (name: string) => BroadcastChannelLike;
}

export interface HubClientOptions {
  /** The hub's socket URL, e.g. `wss://hub.example/ws`. */
  url: string;
  /** Called for every connect and every renewal; `null` means signed out. */
  getToken: () => Promise<string | null> | string | null;
  /** One socket for all tabs of this origin, hub and user (needs Web Locks and BroadcastChannel). */
  shareAcrossTabs?: boolean;
  /** Keeps the last id and epoch across reloads; default `sessionStorage`, `null` for none. */
  storage?: StorageLike | null;
  /** Awaited on `resync` before live frames go on: reload the app's state here. */
  onResync?: (event: { epoch: string }) => unknown;
  timings?: Partial<Timings>;
  /** The WebSocket constructor (default: the global one). */
  WebSocket?: HubEnv["WebSocket"];
  /** Replaces parts of the browser environment (tests). */
  env?: Partial<HubEnv>;
}

export interface HubClient {
  on<K extends keyof HubEvents>(event: K, listener: (value: HubEvents[K]) => void): () => void;
  /** Starts afresh with a new token; does nothing unless `idle` or `closed`. */
  connect(): void;
  /** Closes for good: nothing reconnects until `connect()`. */
  disconnect(): void;
  readonly state: HubState;
  /** The id of the last notification given to the app (null after a resync until the next one). */
  readonly lastId: string | null;
  readonly epoch: string | null;
  /** When the next reconnect attempt is due (ms since the epoch), or null. */
  readonly nextRetryAt: number | null;
  /** This tab holds the socket (always, without `shareAcrossTabs`, while connected). */
  readonly isLeader: boolean;
  readonly stats: Readonly<HubStats>;
}

/** What a tab group's leader tells the other tabs, and what they ask. */
type GroupMessage =
  | { k: "frame"; f: NotificationFrame | ResyncFrame }
  | { k: "state"; s: HubState; r: number | null }
  | { k: "closed"; c: ClosedEvent }
  | { k: "hello" };

interface Group {
  ch: BroadcastChannelLike;
  abort: AbortController;
  release?: () => void;
}

/** A JWT's payload, read without verifying it (the hub verifies); `{}` when unreadable. */
function claims(token: string): { sub?: unknown; exp?: unknown } {
  try {
    const b64 = token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

const subOf = (token: string) => String(claims(token).sub ?? "");

const report = (err: unknown) => ((globalThis as any).reportError ?? console.error)(err);

function defaultStorage(): StorageLike | null {
  try {
    return (globalThis as any).sessionStorage ?? null;
  } catch {
    return null; // sandboxed frames throw on access
  }
}

export function createHubClient(options: HubClientOptions): HubClient {
  const g = globalThis as any;
  const env: HubEnv = {
    WebSocket: options.WebSocket ?? g.WebSocket,
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as number),
    random: Math.random,
    window: g.document && g,
    document: g.document,
    navigator: g.navigator,
    BroadcastChannel: g.BroadcastChannel,
    ...options.env,
  };
  const t: Timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const storage = options.storage === undefined ? defaultStorage() : options.storage;
  const url = options.url;
  const canShare = !!(options.shareAcrossTabs && env.navigator?.locks && env.BroadcastChannel);
  const listeners: { [event: string]: Set<(v: any) => void> } = {};
  const timers: Record<string, unknown> = {};
  const stats: HubStats = { malformed: 0, unknown: 0, duplicates: 0, errors: 0 };

  let state: HubState = "idle";
  let nextRetryAt: number | null = null;
  let ws: WebSocketLike | null = null;
  let opened = false;
  /** Bumped by every dial and every teardown: a callback that finds it changed is stale. */
  let gen = 0;
  let attempt = 0;
  /** The next dial fetches a new token instead of reusing `token`. */
  let fresh = true;
  let token: string | null = null;
  let sub: string | undefined;
  let inflight: Promise<string | null> | null = null;
  let renewing = false;
  /** The connection that asked for a renewal, and the `exp` it must beat. */
  let renewGen = -1;
  let renewExp = 0;
  let lastId: string | null = null;
  let epoch: string | null = null;
  /** Where a reconnect resumes: the last notification given, or (after a resync, until the next
   *  one) the one before it, so that a reconnect then is answered with `resync` again. */
  let cursor: [string, string] | null = null;
  /** Frames that arrived while `onResync` ran, or null when nothing is held. */
  let held: (NotificationFrame | ResyncFrame)[] | null = null;
  let lastSeen = 0;
  let pingDue = 0;
  let offlineWait = false;
  let group: Group | null = null;
  let leader = false;

  const key = () => `hub-client:${url}:${sub}`;

  function emit<K extends keyof HubEvents>(event: K, value: HubEvents[K]) {
    listeners[event]?.forEach((l) => {
      try {
        l(value);
      } catch (err) {
        report(err); // an app bug never breaks the client
      }
    });
  }

  function later(name: string, fn: () => void, ms: number) {
    cancel(name);
    timers[name] = env.setTimeout(() => {
      delete timers[name];
      fn();
    }, ms);
  }

  function cancel(name: string) {
    if (name in timers) env.clearTimeout(timers[name]);
    delete timers[name];
  }

  function post(m: GroupMessage) {
    if (leader) group?.ch.postMessage(m);
  }

  function setState(s: HubState, retryAt: number | null = null, force = false) {
    if (s === state && retryAt === nextRetryAt && !force) return;
    state = s;
    nextRetryAt = retryAt;
    post({ k: "state", s, r: retryAt });
    emit("state", s);
  }

  function send(frame: ClientFrame) {
    if (ws && opened) ws.send(JSON.stringify(frame));
  }

  /** One `getToken()` in flight at a time; `undefined` when it failed. */
  function fetchToken(): Promise<string | null | undefined> {
    inflight ??= Promise.resolve()
      .then(options.getToken)
      .finally(() => (inflight = null));
    return inflight.catch(() => undefined);
  }

  function load() {
    let c: unknown;
    try {
      c = JSON.parse(storage?.getItem(key()) ?? "null");
    } catch {
      // unreadable: start without a resume point
    }
    cursor = Array.isArray(c) && isId(c[0]) && typeof c[1] === "string" ? [c[0], c[1]] : null;
    [lastId, epoch] = cursor ?? [null, null];
  }

  function save() {
    try {
      storage?.setItem(key(), JSON.stringify(cursor));
    } catch {
      // full or forbidden: resume still works within this page
    }
  }

  async function dial() {
    const my = ++gen;
    cancel("retry");
    offlineWait = env.navigator?.onLine === false;
    setState(state);
    if (offlineWait) return; // `online` dials; no attempt is burnt meanwhile
    let tk: string | null | undefined = token;
    const exp = tk && claims(tk).exp;
    if (fresh || !tk || (typeof exp === "number" && exp * 1000 < env.now() + 5_000)) {
      tk = await fetchToken();
      if (my !== gen) return;
      if (tk === null) return signOut();
      if (tk === undefined) return retry("handshake");
      fresh = false;
    }
    if (subOf(tk) !== sub || (canShare && !group)) return enter(tk);
    token = tk;
    const since = cursor ? `&since=${encodeURIComponent(cursor[0])}&epoch=${encodeURIComponent(cursor[1])}` : "";
    let sock: WebSocketLike;
    try {
      sock = ws = new env.WebSocket(`${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(tk)}${since}`);
    } catch (err) {
      report(err); // a URL the browser refuses: as good as a failed handshake
      return retry("handshake");
    }
    opened = false;
    sock.onopen = () => my === gen && onOpen();
    sock.onmessage = (m) => my === gen && onData(m.data);
    sock.onclose = (c) => my === gen && onClose(c.code, c.reason);
  }

  /** (Re)starts as the token's user: their resume point, their tab group. */
  function enter(tk: string) {
    leaveGroup();
    drop();
    held = null;
    if (subOf(tk) !== sub) {
      sub = subOf(tk);
      load();
    }
    token = tk;
    if (canShare) joinGroup();
    else dial();
  }

  function onOpen() {
    opened = true;
    lastSeen = env.now();
    later("stable", () => (attempt = 0), t.stability);
    armPing();
    setState("open");
  }

  function onData(data: unknown) {
    lastSeen = env.now();
    if ("pong" in timers) {
      cancel("pong");
      armPing();
    }
    const f = parseFrame(data);
    if (typeof f === "string") {
      stats[f]++;
      return;
    }
    switch (f.type) {
      case "notification":
      case "resync":
        post({ k: "frame", f });
        ingest(f);
        break;
      case "token_expiring":
        renewGen = gen;
        renewExp = f.exp;
        if (!renewing) renew();
        break;
      case "error":
        stats.errors++;
        // the renewal token was refused: the old expiry stands, so try another
        if (f.code !== "invalid_frame" && renewGen === gen) renewLater();
        break;
      case "pong":
        break;
      default:
        f satisfies never;
    }
  }

  /** Gives a frame to the app in order, once; holds everything while `onResync` runs. */
  function ingest(f: NotificationFrame | ResyncFrame) {
    if (held) return void held.push(f);
    if (f.type === "resync") return void resync(f.epoch);
    if (f.id !== null) {
      if (f.epoch === epoch && lastId && compareIds(f.id, lastId) <= 0) return void stats.duplicates++;
      lastId = f.id;
      epoch = f.epoch;
      cursor = [lastId, epoch];
      save();
    }
    emit("notification", { ...f, replayed: f.replayed === true });
  }

  async function resync(newEpoch: string) {
    const mine: (NotificationFrame | ResyncFrame)[] = (held = []);
    lastId = null;
    epoch = newEpoch;
    try {
      await options.onResync?.({ epoch: newEpoch });
    } catch (err) {
      report(err);
    }
    if (held !== mine) return; // disconnected or another user meanwhile
    held = null;
    emit("resync", { epoch: newEpoch });
    mine.forEach(ingest);
  }

  function renew() {
    const my = gen;
    renewing = true;
    fetchToken().then((tk) => {
      renewing = false;
      // A token fetched for an older connection is never sent on a newer one; if the newer one
      // asked meanwhile, it gets its own fetch.
      if (my !== gen) return void (renewGen === gen && renew());
      if (tk === null) return signOut();
      if (tk && subOf(tk) !== sub) return enter(tk);
      if (tk && tk !== token) {
        token = tk;
        return send({ type: "auth", token: tk }); // at most once per token
      }
      renewLater();
    });
  }

  /** Tries again with jitter while the token has not expired (4001 follows otherwise). */
  function renewLater() {
    const d = t.renewRetry * (0.5 + env.random());
    if (env.now() + d < renewExp * 1000) later("renew", () => renewing || renew(), d);
  }

  function armPing() {
    pingDue = env.now() + t.pingInterval;
    // A timer that fires late means a throttled or sleeping tab: probe with the short timeout.
    later("ping", () => probe(env.now() - pingDue > t.pongTimeout ? t.probeTimeout : t.pongTimeout), t.pingInterval);
  }

  /** Pings now; without any frame back within `timeout`, the socket is replaced. */
  function probe(timeout: number) {
    const sentAt = env.now();
    cancel("ping");
    send({ type: "ping" });
    later("pong", () => (lastSeen > sentAt ? armPing() : onClose(1006, "no pong")), timeout);
  }

  function wake() {
    if (offlineWait || ("retry" in timers && nextRetryAt! <= env.now())) dial();
    else if (opened) probe(t.probeTimeout);
  }

  const onVisibility = () => env.document?.visibilityState !== "hidden" && wake();

  function listen(on: boolean) {
    const m = on ? "addEventListener" : "removeEventListener";
    env.window?.[m]("online", wake);
    env.window?.[m]("pageshow", wake);
    env.document?.[m]("visibilitychange", onVisibility);
  }

  function onClose(code: number, reason: string) {
    const action = closeAction(code, opened);
    drop();
    const terminal = action === "terminal";
    const info: ClosedEvent = { code, reason, terminal, willRetry: !terminal };
    post({ k: "closed", c: info });
    emit("closed", info);
    if (terminal) halt();
    else retry(action);
  }

  function retry(action: CloseAction) {
    if (action === "fresh-token" || action === "handshake") fresh = true;
    const d = retryDelay(action, attempt++, t, env.random);
    later("retry", dial, d);
    setState("reconnecting", env.now() + d);
  }

  /** Lets go of the socket, whatever its state. */
  function drop() {
    gen++;
    try {
      ws?.close(1000);
    } catch {
      // already closing
    }
    ws = null;
    opened = false;
    for (const n of ["ping", "pong", "stable", "renew"]) cancel(n);
  }

  /** Stops everything; the caller sets the state. */
  function halt() {
    drop();
    cancel("retry");
    held = null;
    offlineWait = false;
    leaveGroup();
    listen(false);
    setState("closed");
  }

  function signOut() {
    halt();
    emit("closed", { code: 1000, reason: "signed out", terminal: true, willRetry: false });
  }

  function joinGroup() {
    const name = key();
    const me: Group = (group = { ch: new env.BroadcastChannel!(name), abort: new AbortController() });
    me.ch.onmessage = (m) => group === me && fromGroup(m.data);
    env
      .navigator!.locks!.request(name, { signal: me.abort.signal }, () => {
        if (group !== me) return;
        leader = true;
        setState(state === "open" ? "reconnecting" : state, null, true); // isLeader changed
        dial();
        return new Promise<void>((r) => (me.release = r));
      })
      .catch(() => {}); // aborted: this tab left before it led
    me.ch.postMessage({ k: "hello" } satisfies GroupMessage);
  }

  function leaveGroup() {
    if (!group) return;
    group.abort.abort();
    group.release?.();
    group.ch.close();
    group = null;
    leader = false;
  }

  function fromGroup(m: GroupMessage) {
    if (m.k === "frame") ingest(m.f); // the leader too: frames a previous leader sent late
    else if (leader) m.k === "hello" && post({ k: "state", s: state, r: nextRetryAt });
    else if (m.k === "state") setState(m.s, m.r);
    else if (m.k === "closed") {
      emit("closed", m.c);
      if (m.c.terminal) halt();
    }
  }

  function connect() {
    if (!env.WebSocket || (state !== "idle" && state !== "closed")) return;
    attempt = 0;
    fresh = true;
    token = null;
    listen(true);
    setState("connecting");
    dial();
  }

  return {
    on(event, listener) {
      const set = (listeners[event] ??= new Set());
      set.add(listener);
      return () => void set.delete(listener);
    },
    connect,
    disconnect: halt,
    get state() {
      return state;
    },
    get lastId() {
      return lastId;
    },
    get epoch() {
      return epoch;
    },
    get nextRetryAt() {
      return nextRetryAt;
    },
    get isLeader() {
      return group ? leader : state !== "idle" && state !== "closed";
    },
    get stats() {
      return { ...stats };
    },
  };
}
