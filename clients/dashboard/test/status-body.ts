// A `GET /status` answer as src/routes/admin.rs writes it, shared by the tests of the mapping and
// of the admin page: an embedded hub without Kafka unless `over` says otherwise.

export function statusBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    instance_id: "hub-1",
    version: "0.1.0",
    uptime_seconds: 60,
    mode: "embedded",
    cluster: null,
    draining: false,
    actors: { connection: 4, user_session: 3, registry: 1, topic_consumer: 0 },
    kafka: { state: "disabled" },
    sockets: 4,
    socket_cap: 100,
    unique_users: 3,
    notifications: { published: 120, delivered: 118, dropped: { duplicate: 2, user_offline: 5, slow_client: 1 } },
    ...over,
  };
}
