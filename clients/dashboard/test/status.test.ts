import { describe, expect, it } from "vitest";
import { formatUptime, toStatusView } from "../src/status.js";
import { statusBody } from "./status-body.js";

/** `GET /status` of an embedded hub without Kafka. */
const embedded = statusBody({ uptime_seconds: 3725, socket_cap: 20000 });

describe("mapping /status to the admin page's view", () => {
  it("reads every count of an embedded hub", () => {
    const view = toStatusView(embedded);
    expect(view).toMatchObject({
      instanceId: "hub-1",
      mode: "embedded",
      draining: false,
      actors: { connection: 4, userSession: 3, registry: 1, topicConsumer: 0 },
      sockets: 4,
      socketCap: 20000,
      uniqueUsers: 3,
      published: 120,
      delivered: 118,
      dropped: { duplicate: 2, userOffline: 5, slowClient: 1 },
      kafka: { state: "disabled" },
      cluster: { kind: "embedded" },
    });
  });

  it("lists each instance of the cluster with its own counts, this one marked, and the totals", () => {
    const view = toStatusView({
      ...embedded,
      mode: "clustered",
      cluster: {
        instances: [
          { instance_id: "hub-1", version: "0.1.0", uptime_seconds: 50, sockets: 4, user_sessions: 3, published: 120, delivered: 118 },
          { instance_id: "hub-2", version: "0.1.0", uptime_seconds: 40, sockets: 6, user_sessions: 5, published: 80, delivered: 79 },
        ],
        totals: { instances: 2, sockets: 10, user_sessions: 8 },
      },
    });
    expect(view.cluster).toEqual({
      kind: "clustered",
      instances: [
        { instanceId: "hub-1", version: "0.1.0", uptimeSeconds: 50, sockets: 4, userSessions: 3, published: 120, delivered: 118, self: true },
        { instanceId: "hub-2", version: "0.1.0", uptimeSeconds: 40, sockets: 6, userSessions: 5, published: 80, delivered: 79, self: false },
      ],
      totals: { instances: 2, sockets: 10, userSessions: 8, published: 200, delivered: 197 },
    });
  });

  it("shows the cluster view's error when Redis could not be read", () => {
    const view = toStatusView({ ...embedded, mode: "clustered", cluster: { error: "redis: timed out" } });
    expect(view.cluster).toEqual({ kind: "error", message: "redis: timed out" });
  });

  it("reads Kafka's health, its lag summed, and its topics in order", () => {
    const view = toStatusView({
      ...embedded,
      kafka: {
        health: { state: "connected", brokers_up: 2, brokers_known: 3 },
        lag: { "b/0": 4, "a/1": 6 },
        topic_consumers: {
          "huleedu.b": { consumed: 9, delivered: 8, duplicates: 1, malformed: 0, stale: 0, held: 0, dead_lettered: 0, partitions: 1 },
          "huleedu.a": { consumed: 5, delivered: 5, duplicates: 0, malformed: 1, stale: 2, held: 3, dead_lettered: 1, partitions: 2 },
        },
      },
    });
    expect(view.kafka).toMatchObject({ state: "connected", brokersUp: 2, brokersKnown: 3, totalLag: 10 });
    expect(view.kafka.state !== "disabled" && view.kafka.topics.map((t) => [t.topic, t.held, t.deadLettered])).toEqual([
      ["huleedu.a", 3, 1],
      ["huleedu.b", 0, 0],
    ]);
  });

  it("turns missing or mistyped fields into zeros instead of failing", () => {
    const view = toStatusView({ instance_id: "hub-x", sockets: "many", notifications: null });
    expect(view).toMatchObject({ instanceId: "hub-x", sockets: 0, published: 0, dropped: { slowClient: 0 }, cluster: { kind: "embedded" } });
    expect(() => toStatusView([1, 2])).toThrow();
    expect(() => toStatusView("ok")).toThrow();
  });

  it("writes uptime in the largest units that matter", () => {
    expect([12, 420, 3725, 2 * 86400 + 5 * 3600].map(formatUptime)).toEqual(["12 s", "7 min", "1 h 2 min", "2 d 5 h"]);
  });
});
