//! How one notification, and the last close, read on the feed page.

import type { Notification } from "/client/hub-client.js";
import { el, formatTime } from "./dom.js";

/** Keys the hub copies into `data` that the item already shows. */
const SHOWN_ELSEWHERE = new Set(["category", "priority", "timestamp", "correlation_id"]);

/** The longest data summary on one line; the full data is one click away. */
export const SUMMARY_CHARS = 160;

/** `data` in one line: `batch_id: b1 · essays: 12`, values as JSON where they are not text. */
export function summarizeData(data: Record<string, unknown>, maxChars = SUMMARY_CHARS): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (SHOWN_ELSEWHERE.has(key) || value === null || value === undefined) continue;
    parts.push(`${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  const line = parts.join(" · ");
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

/** The feed's list item for one notification. Everything from the frame goes in as text. */
export function renderNotification(doc: Document, n: Notification, now = new Date()): HTMLLIElement {
  const when = new Date(n.timestamp);
  const valid = !Number.isNaN(when.getTime());
  const time = el(doc, "time", {
    className: "item-time",
    text: valid ? formatTime(when, now) : n.timestamp,
    attrs: { "data-testid": "feed-item-time", ...(valid ? { datetime: when.toISOString() } : {}) },
  });
  const badges = el(doc, "p", { className: "item-badges" });
  const priority = n.priority ?? "standard";
  badges.append(
    el(doc, "span", {
      className: `badge priority-${/^[a-z]+$/.test(priority) ? priority : "other"}`,
      text: priority,
      attrs: { "data-testid": "feed-item-priority" },
    }),
    el(doc, "span", {
      className: "badge",
      text: n.category ?? "no category",
      attrs: { "data-testid": "feed-item-category" },
    }),
  );
  if (n.replayed) badges.append(el(doc, "span", { className: "badge badge-replayed", text: "replayed" }));

  const item = el(
    doc,
    "li",
    { className: "item", attrs: { "data-testid": "feed-item", "data-replayed": String(n.replayed) } },
    el(doc, "div", { className: "item-head" }, el(doc, "h3", { className: "item-event", text: n.event, attrs: { "data-testid": "feed-item-event" } }), time),
    badges,
  );
  if (n.id !== null) item.dataset.id = n.id;
  const summary = summarizeData(n.data);
  if (summary) {
    const details = el(
      doc,
      "details",
      { className: "item-data" },
      el(doc, "summary", { text: summary, attrs: { "data-testid": "feed-item-data" } }),
      el(doc, "pre", { text: JSON.stringify(n.data, null, 2) }),
    );
    item.append(details);
  }
  return item;
}

/** What each close code means for the person watching (README "Close codes"). */
const CLOSE_MEANINGS: Record<number, string> = {
  1000: "closed normally",
  1001: "the hub is shutting down",
  1006: "the connection was lost",
  1008: "protocol violation",
  1009: "frame too big",
  1011: "the hub failed internally",
  4000: "too many sockets for this user",
  4001: "the token expired",
  4002: "too slow: messages piled up",
  4003: "disconnected by an operator",
  4004: "the hub is overloaded",
};

export function closeMeaning(code: number): string {
  return CLOSE_MEANINGS[code] ?? "unexpected close";
}

/** The words for a connection state. */
export const STATE_LABELS: Record<string, string> = {
  idle: "Not connected",
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  closed: "Disconnected",
};
