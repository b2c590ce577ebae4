//! The v1 wire protocol: every server and client frame as a discriminated union, and the parser
//! that checks a frame's shape before the client acts on it.

import { isId } from "./ids.js";

/** The protocol version this client speaks (README "Client protocol (v1)"). */
export const PROTOCOL_VERSION = "v1";

export type Category =
  | "batch_progress"
  | "processing_results"
  | "file_operations"
  | "class_management"
  | "student_workflow"
  | "system_alerts";

export type Priority = "critical" | "immediate" | "high" | "standard" | "low";

interface NotificationCommon {
  type: "notification";
  event: string;
  /** RFC 3339 UTC. */
  timestamp: string;
  data: Record<string, unknown>;
  /** `true` on frames of a resume replay or catch-up; absent means false. */
  replayed?: boolean;
}

/** A notification with an id: resumable and deduplicated. */
export interface NumberedNotificationFrame extends NotificationCommon {
  /** `<ms>-<seq>`: compare with `compareIds`, never as strings. */
  id: string;
  epoch: string;
  category: Category | null;
  priority: Priority;
  correlation_id: string;
}

/** A legacy `{event, data}` message wrapped by the hub: not resumable, never deduplicated. */
export interface LegacyNotificationFrame extends NotificationCommon {
  id: null;
  epoch: null;
  category: string | null;
  priority: string | null;
  correlation_id: string | null;
}

export type NotificationFrame = NumberedNotificationFrame | LegacyNotificationFrame;

export interface PongFrame {
  type: "pong";
}

export interface ErrorFrame {
  type: "error";
  code: "invalid_frame" | "auth_failed" | "auth_subject_mismatch";
  message: string;
}

export interface TokenExpiringFrame {
  type: "token_expiring";
  /** Unix seconds. */
  exp: number;
}

export interface ResyncFrame {
  type: "resync";
  epoch: string;
}

export type ServerFrame = NotificationFrame | PongFrame | ErrorFrame | TokenExpiringFrame | ResyncFrame;

export type ClientFrame = { type: "ping" } | { type: "auth"; token: string };

/** What a `"notification"` listener gets: the frame, with `replayed` always set. */
export type Notification = NotificationFrame & { replayed: boolean };

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** One shape check per frame type: a new type in `ServerFrame` is a compile error until it has one. */
const SHAPES: { [T in ServerFrame["type"]]: (f: Record<string, unknown>) => boolean } = {
  notification: (f) =>
    typeof f.event === "string" &&
    isObject(f.data) &&
    (f.id === null ? f.epoch == null : isId(f.id) && typeof f.epoch === "string"),
  pong: () => true,
  error: (f) => typeof f.code === "string",
  token_expiring: (f) => typeof f.exp === "number",
  resync: (f) => typeof f.epoch === "string",
};

/** Parses one WebSocket message; never throws. */
export function parseFrame(data: unknown): ServerFrame | "malformed" | "unknown" {
  let f: unknown;
  try {
    f = typeof data === "string" && JSON.parse(data);
  } catch {
    // counted below
  }
  if (!isObject(f) || typeof f.type !== "string") return "malformed";
  if (!Object.hasOwn(SHAPES, f.type)) return "unknown";
  return SHAPES[f.type as ServerFrame["type"]](f) ? (f as unknown as ServerFrame) : "malformed";
}
