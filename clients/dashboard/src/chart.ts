//! The admin page's charts: a short history of `/status` answers, turned into series (delivered
//! per second, sockets) and scaled into an SVG path. Drawn by hand: two lines need no library.

/** How much history the charts show. */
export const WINDOW_MS = 5 * 60_000;
/** The narrowest time span a chart shows, while its history is still short. */
export const MIN_SPAN_MS = 60_000;

/** What one `/status` answer adds to the history. */
export interface Sample {
  /** When the answer arrived (ms). */
  t: number;
  instanceId: string;
  uptimeSeconds: number;
  delivered: number;
  sockets: number;
}

/** A chart point; `v: null` is a gap (the line breaks there). */
export interface Point {
  t: number;
  v: number | null;
}

/** Appends a sample and forgets those older than the window. */
export function addSample(history: Sample[], sample: Sample, windowMs = WINDOW_MS): Sample[] {
  const kept = history.filter((s) => s.t >= sample.t - windowMs && s.t < sample.t);
  kept.push(sample);
  return kept;
}

/**
 * Delivered per second between consecutive samples. A counter that went down, an uptime that
 * went back or another instance answering (a restart, a load balancer) is a gap, not a dip.
 */
export function deliveredRate(history: Sample[]): Point[] {
  const points: Point[] = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1]!;
    const b = history[i]!;
    const seconds = (b.t - a.t) / 1000;
    const continuous =
      a.instanceId === b.instanceId && b.uptimeSeconds >= a.uptimeSeconds && b.delivered >= a.delivered && seconds > 0;
    points.push({ t: b.t, v: continuous ? (b.delivered - a.delivered) / seconds : null });
  }
  return points;
}

export function socketSeries(history: Sample[]): Point[] {
  return history.map((s) => ({ t: s.t, v: s.sockets }));
}

/** The smallest of 1, 2, 5 × 10ⁿ at or above `x` (at least 1): the chart's top line. */
export function niceCeiling(x: number): number {
  if (!(x > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(x));
  const f = x / magnitude;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * magnitude;
}

export interface Frame {
  /** Time at the left edge and at the right edge (ms). */
  from: number;
  to: number;
  /** Two points further apart than this are not joined: the page got no answer in between. */
  maxGapMs?: number;
  /** The value at the top edge (the bottom is 0). */
  yMax: number;
  width: number;
  height: number;
}

/**
 * The time span to draw: the whole window once the history fills it; before that from the first
 * sample (but at least `MIN_SPAN_MS`), so a fresh page's line is not squeezed against the right edge.
 */
export function timeSpan(history: Sample[], now: number): { from: number; to: number } {
  const first = history[0]?.t ?? now;
  return { from: Math.max(now - WINDOW_MS, Math.min(first, now - MIN_SPAN_MS)), to: now };
}

/** The left edge's label: `"5 min ago"`, `"90 s ago"`. */
export function spanLabel(span: { from: number; to: number }): string {
  const s = Math.round((span.to - span.from) / 1000);
  return s % 60 === 0 ? `${s / 60} min ago` : `${s} s ago`;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** An SVG path through the points, broken at gaps; values are clamped into the frame. */
export function chartPath(points: Point[], frame: Frame): string {
  const span = Math.max(1, frame.to - frame.from);
  let d = "";
  let pen = false;
  let lastT = -Infinity;
  for (const p of points) {
    if (p.v === null || p.t < frame.from || p.t > frame.to) {
      pen = false;
      continue;
    }
    if (frame.maxGapMs !== undefined && p.t - lastT > frame.maxGapMs) pen = false;
    lastT = p.t;
    const x = round(((p.t - frame.from) / span) * frame.width);
    const v = Math.min(Math.max(p.v, 0), frame.yMax);
    const y = round(frame.height - (v / frame.yMax) * frame.height);
    d += `${d ? " " : ""}${pen ? "L" : "M"}${x} ${y}`;
    pen = true;
  }
  return d;
}

/** The latest non-gap value, or null. */
export function latest(points: Point[]): number | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const v = points[i]!.v;
    if (v !== null) return v;
  }
  return null;
}

/** The largest non-gap value, or 0. */
export function peak(points: Point[]): number {
  return points.reduce((m, p) => (p.v !== null && p.v > m ? p.v : m), 0);
}
