//! `GET /status` (src/routes/admin.rs, src/cluster/instances.rs) mapped to what the admin page
//! shows. The answer is read defensively: a missing or mistyped field becomes 0 or null rather
//! than an exception, so an older or newer hub still gets a page.

export interface InstanceView {
  instanceId: string;
  version: string | null;
  uptimeSeconds: number | null;
  sockets: number;
  userSessions: number;
  published: number;
  delivered: number;
  /** This is the instance that answered `/status`. */
  self: boolean;
}

export interface TopicView {
  topic: string;
  consumed: number;
  delivered: number;
  duplicates: number;
  malformed: number;
  stale: number;
  held: number;
  deadLettered: number;
  partitions: number;
}

export type KafkaView =
  | { state: "disabled" }
  | {
      state: "connected" | "disconnected" | "unknown";
      brokersUp: number;
      brokersKnown: number;
      /** Consumer lag summed over the partitions assigned here. */
      totalLag: number;
      topics: TopicView[];
    };

export type ClusterView =
  | { kind: "embedded" }
  | { kind: "error"; message: string }
  | {
      kind: "clustered";
      instances: InstanceView[];
      totals: { instances: number; sockets: number; userSessions: number; published: number; delivered: number };
    };

export interface StatusView {
  instanceId: string;
  version: string;
  uptimeSeconds: number;
  mode: string;
  draining: boolean;
  actors: { connection: number; userSession: number; registry: number; topicConsumer: number };
  sockets: number;
  socketCap: number;
  uniqueUsers: number;
  published: number;
  delivered: number;
  dropped: { duplicate: number; userOffline: number; slowClient: number };
  kafka: KafkaView;
  cluster: ClusterView;
}

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const str = (v: unknown, fallback = ""): string => (typeof v === "string" ? v : fallback);
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Maps a `/status` body to the admin page's view. Throws only when the body is not an object. */
export function toStatusView(body: unknown): StatusView {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("the answer is not a JSON object");
  const s = body as Json;
  const actors = obj(s.actors);
  const notifications = obj(s.notifications);
  const dropped = obj(notifications.dropped);
  const instanceId = str(s.instance_id, "?");
  return {
    instanceId,
    version: str(s.version, "?"),
    uptimeSeconds: num(s.uptime_seconds),
    mode: str(s.mode, "?"),
    draining: s.draining === true,
    actors: {
      connection: num(actors.connection),
      userSession: num(actors.user_session),
      registry: num(actors.registry),
      topicConsumer: num(actors.topic_consumer),
    },
    sockets: num(s.sockets),
    socketCap: num(s.socket_cap),
    uniqueUsers: num(s.unique_users),
    published: num(notifications.published),
    delivered: num(notifications.delivered),
    dropped: {
      duplicate: num(dropped.duplicate),
      userOffline: num(dropped.user_offline),
      slowClient: num(dropped.slow_client),
    },
    kafka: toKafkaView(s.kafka),
    cluster: toClusterView(s.cluster, instanceId),
  };
}

function toKafkaView(value: unknown): KafkaView {
  const kafka = obj(value);
  if (kafka.state === "disabled" || !("health" in kafka)) return { state: "disabled" };
  const health = obj(kafka.health);
  const state = health.state === "connected" || health.state === "disconnected" ? health.state : "unknown";
  const topics = Object.entries(obj(kafka.topic_consumers))
    .map(([topic, raw]): TopicView => {
      const t = obj(raw);
      return {
        topic,
        consumed: num(t.consumed),
        delivered: num(t.delivered),
        duplicates: num(t.duplicates),
        malformed: num(t.malformed),
        stale: num(t.stale),
        held: num(t.held),
        deadLettered: num(t.dead_lettered),
        partitions: num(t.partitions),
      };
    })
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  return {
    state,
    brokersUp: num(health.brokers_up),
    brokersKnown: num(health.brokers_known),
    totalLag: sum(Object.values(obj(kafka.lag)).map(num)),
    topics,
  };
}

function toClusterView(value: unknown, selfId: string): ClusterView {
  if (value === null || value === undefined) return { kind: "embedded" };
  const cluster = obj(value);
  if (typeof cluster.error === "string") return { kind: "error", message: cluster.error };
  const instances = (Array.isArray(cluster.instances) ? cluster.instances : []).map((raw): InstanceView => {
    const i = obj(raw);
    const instanceId = str(i.instance_id, "?");
    return {
      instanceId,
      version: typeof i.version === "string" ? i.version : null,
      uptimeSeconds: typeof i.uptime_seconds === "number" ? i.uptime_seconds : null,
      sockets: num(i.sockets),
      userSessions: num(i.user_sessions),
      published: num(i.published),
      delivered: num(i.delivered),
      self: instanceId === selfId,
    };
  });
  const totals = obj(cluster.totals);
  return {
    kind: "clustered",
    instances,
    totals: {
      // The hub's totals, where it gives them; published and delivered are summed here.
      instances: "instances" in totals ? num(totals.instances) : instances.length,
      sockets: "sockets" in totals ? num(totals.sockets) : sum(instances.map((i) => i.sockets)),
      userSessions: "user_sessions" in totals ? num(totals.user_sessions) : sum(instances.map((i) => i.userSessions)),
      published: sum(instances.map((i) => i.published)),
      delivered: sum(instances.map((i) => i.delivered)),
    },
  };
}

/** Seconds as `"3 d 4 h"`, `"2 h 5 min"`, `"7 min"`, `"12 s"`. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
