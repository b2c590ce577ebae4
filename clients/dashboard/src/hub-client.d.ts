// The part of the hub client's public API (issue 12, item 1) that the feed page uses. The hub
// serves the library's browser build at `/client/hub-client.js`; the bundle leaves that import
// external, so these declarations are all the dashboard knows of it (tsconfig `paths` maps the
// import here).

export type HubState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

export interface ClosedEvent {
  code: number;
  reason: string;
  terminal: boolean;
  willRetry: boolean;
}

/** A v1 notification frame as the client gives it to the app. */
export interface Notification {
  type: "notification";
  /** `<ms>-<seq>`, or null for a legacy frame. */
  id: string | null;
  epoch: string | null;
  event: string;
  category: string | null;
  priority: string | null;
  /** RFC 3339 UTC. */
  timestamp: string;
  correlation_id: string | null;
  data: Record<string, unknown>;
  /** True on frames of a resume replay or catch-up. */
  replayed: boolean;
}

export interface HubEvents {
  notification: Notification;
  state: HubState;
  resync: { epoch: string };
  closed: ClosedEvent;
}

export interface HubClientOptions {
  url: string;
  getToken: () => Promise<string | null> | string | null;
  shareAcrossTabs?: boolean;
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null;
  onResync?: (event: { epoch: string }) => unknown;
}

export interface HubClient {
  on<K extends keyof HubEvents>(event: K, listener: (value: HubEvents[K]) => void): () => void;
  connect(): void;
  disconnect(): void;
  readonly state: HubState;
  readonly lastId: string | null;
  readonly epoch: string | null;
  readonly nextRetryAt: number | null;
  readonly isLeader: boolean;
}

export declare function createHubClient(options: HubClientOptions): HubClient;
