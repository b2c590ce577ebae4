//! What the client does after a socket closes: the README's close-code table as data, and the
//! one function that turns an action and an attempt count into a delay.

/** What a close leads to. */
export type CloseAction =
  /** No automatic retry; `closed` with `terminal: true`. `connect()` starts afresh. */
  | "terminal"
  /** Fetch a fresh token, then reconnect at once (a little jitter) and resume. */
  | "fresh-token"
  /** Reconnect at once (a little jitter) and resume. */
  | "resume"
  /** Backoff, with the first attempt spread over `timings.spread` (a draining instance). */
  | "spread"
  /** Full-jitter exponential backoff, capped, and resume. */
  | "backoff"
  /** The socket closed before it opened: the browser cannot read why. Fresh token, then backoff. */
  | "handshake";

/**
 * Close code → action. Codes not listed (1006, unknown ones) back off. A close before the socket
 * opened is a failed handshake whatever its code ("handshake"). After the first retry of a run
 * every action backs off: the attempt counter only resets once a connection has stayed up for
 * `timings.stability`.
 */
export const CLOSE_POLICY: Readonly<Record<number, CloseAction>> = {
  1001: "spread", // server shutting down
  1006: "backoff", // abnormal closure (network gone, no pong)
  1008: "terminal", // protocol violation
  1009: "terminal", // frame too big
  1011: "backoff", // internal error
  4000: "terminal", // too many sockets for this user
  4001: "fresh-token", // token expired
  4002: "resume", // too slow: outbound queue overflowed
  4003: "terminal", // disconnected by operator
  4004: "spread", // server overloaded
};

/** The action for a close; `opened` tells whether the socket had opened. */
export function closeAction(code: number, opened: boolean): CloseAction {
  return opened ? (CLOSE_POLICY[code] ?? "backoff") : "handshake";
}

/** Every duration the client uses, in milliseconds. `timings` overrides any of them. */
export interface Timings {
  /** How long a quiet socket waits before it sends `{"type":"ping"}`. */
  pingInterval: number;
  /** How long a ping waits for an answer before the socket is taken for dead. */
  pongTimeout: number;
  /** The shorter wait after waking up (visible, online, pageshow, a late timer). */
  probeTimeout: number;
  /** The first backoff window; each further attempt doubles it. */
  backoffBase: number;
  /** The largest backoff window. */
  backoffMax: number;
  /** How long a connection must stay up before the attempt counter resets. */
  stability: number;
  /** The jitter window of an immediate reconnect (4001, 4002). */
  resumeJitter: number;
  /** The window the first reconnect after 1001 or 4004 is spread over. */
  spread: number;
  /** The mean delay between tries to fetch a renewal token (jittered ±50 %). */
  renewRetry: number;
}

export const DEFAULT_TIMINGS: Readonly<Timings> = {
  pingInterval: 20_000,
  pongTimeout: 10_000,
  probeTimeout: 2_000,
  backoffBase: 1_000,
  backoffMax: 30_000,
  stability: 15_000,
  resumeJitter: 500,
  spread: 5_000,
  renewRetry: 2_000,
};

/**
 * The wait before reconnect attempt number `attempt` (0 for the first since the connection was
 * stable): full jitter, uniform in [0, window). The window is the action's own for the first
 * attempt, else `min(backoffMax, backoffBase * 2^attempt)`.
 */
export function retryDelay(action: CloseAction, attempt: number, t: Timings, random: () => number): number {
  const window = attempt
    ? Math.min(t.backoffMax, t.backoffBase * 2 ** attempt)
    : action === "resume" || action === "fresh-token"
      ? t.resumeJitter
      : action === "spread"
        ? t.spread
        : t.backoffBase;
  return random() * window;
}
