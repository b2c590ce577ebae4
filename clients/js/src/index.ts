//! `@huleedu/notification-hub-client`: the core, without any framework. The Vue binding is at
//! `@huleedu/notification-hub-client/vue`.

export { createHubClient } from "./client.js";
export type {
  BroadcastChannelLike,
  ClosedEvent,
  EventTargetLike,
  HubClient,
  HubClientOptions,
  HubEnv,
  HubEvents,
  HubState,
  HubStats,
  LockManagerLike,
  StorageLike,
  WebSocketLike,
} from "./client.js";
export { PROTOCOL_VERSION } from "./frames.js";
export type {
  Category,
  ClientFrame,
  ErrorFrame,
  LegacyNotificationFrame,
  Notification,
  NotificationFrame,
  NumberedNotificationFrame,
  PongFrame,
  Priority,
  ResyncFrame,
  ServerFrame,
  TokenExpiringFrame,
} from "./frames.js";
export { compareIds } from "./ids.js";
export { CLOSE_POLICY, DEFAULT_TIMINGS, closeAction, retryDelay } from "./policy.js";
export type { CloseAction, Timings } from "./policy.js";
