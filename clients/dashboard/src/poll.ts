//! How the admin page reads `/status`: one fetch every poll period while the page is visible,
//! what a failure is called, and when the figures on screen count as stale.

/** The poll period. */
export const POLL_MS = 2_000;

/** Why the last fetch failed. */
export type Failure =
  | { kind: "refused"; status: number }
  | { kind: "unreachable" }
  | { kind: "http"; status: number }
  | { kind: "invalid" };

/** Words for a failure, short enough for the stale marker. */
export function describeFailure(failure: Failure): string {
  switch (failure.kind) {
    case "refused":
      return `token refused (${failure.status})`;
    case "unreachable":
      return "unreachable";
    case "http":
      return `the hub answered ${failure.status}`;
    case "invalid":
      return "the answer was not a status";
  }
}

/** A failed HTTP answer as a failure: 401 and 403 mean the token, anything else the hub. */
export function failureOfStatus(status: number): Failure {
  return status === 401 || status === 403 ? { kind: "refused", status } : { kind: "http", status };
}

export interface PollRecord {
  /** When the last successful fetch finished (ms), or null before the first. */
  lastSuccessAt: number | null;
  /** The last fetch's failure, or null when it succeeded (or none has finished yet). */
  lastFailure: Failure | null;
}

/**
 * The figures are stale when the last fetch failed, or when the last success is older than two
 * poll periods (a fetch that hangs, a tab that was hidden). Before the first answer nothing is
 * shown, so nothing is stale.
 */
export function isStale(record: PollRecord, nowMs: number, periodMs = POLL_MS): boolean {
  if (record.lastSuccessAt === null) return record.lastFailure !== null;
  return record.lastFailure !== null || nowMs - record.lastSuccessAt > 2 * periodMs;
}

/** `"just now"`, `"5 s ago"`, `"3 min ago"`. */
export function formatAge(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 2) return "just now";
  if (s < 120) return `${s} s ago`;
  return `${Math.floor(s / 60)} min ago`;
}
