import { describe, expect, it } from "vitest";
import {
  addSample,
  chartPath,
  deliveredRate,
  latest,
  niceCeiling,
  peak,
  spanLabel,
  timeSpan,
  WINDOW_MS,
  type Sample,
} from "../src/chart.js";

const sample = (t: number, delivered: number, extra: Partial<Sample> = {}): Sample => ({
  t,
  instanceId: "hub-a",
  uptimeSeconds: t / 1000,
  delivered,
  sockets: 3,
  ...extra,
});

describe("the chart's history", () => {
  it("keeps only the last five minutes", () => {
    let history: Sample[] = [];
    for (let t = 0; t <= 10 * 60_000; t += 2_000) history = addSample(history, sample(t, 0));
    expect(history[0]!.t).toBe(10 * 60_000 - WINDOW_MS);
    expect(history).toHaveLength(WINDOW_MS / 2_000 + 1);
  });

  it("turns the delivered counter into a rate per second", () => {
    const rate = deliveredRate([sample(0, 100), sample(2_000, 140), sample(4_000, 140)]);
    expect(rate).toEqual([
      { t: 2_000, v: 20 },
      { t: 4_000, v: 0 },
    ]);
  });

  it("leaves a gap, not a dip, when the counter restarts or another instance answers", () => {
    const rate = deliveredRate([
      sample(0, 500),
      sample(2_000, 3, { uptimeSeconds: 1 }),
      sample(4_000, 9, { uptimeSeconds: 3 }),
      sample(6_000, 12, { instanceId: "hub-b" }),
    ]);
    expect(rate.map((p) => p.v)).toEqual([null, 3, null]);
  });
});

describe("scaling a chart", () => {
  it("rounds the top line up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 0.4, 1, 1.5, 3, 7, 10, 11, 240, 5000].map(niceCeiling)).toEqual([1, 1, 1, 2, 5, 10, 10, 20, 500, 5000]);
  });

  it("maps time to x and value to y, with 0 at the bottom", () => {
    const points = [
      { t: 1000, v: 0 },
      { t: 1500, v: 5 },
      { t: 2000, v: 10 },
    ];
    expect(chartPath(points, { from: 1000, to: 2000, yMax: 10, width: 300, height: 100 })).toBe("M0 100 L150 50 L300 0");
  });

  it("breaks the line at gaps and at long silences, and clamps values into the frame", () => {
    const frame = { from: 0, to: 10_000, yMax: 10, width: 100, height: 10, maxGapMs: 5_000 };
    const points = [
      { t: 0, v: 20 },
      { t: 1_000, v: -1 },
      { t: 2_000, v: null },
      { t: 3_000, v: 5 },
      { t: 4_000, v: 5 },
      { t: 10_000, v: 5 },
    ];
    expect(chartPath(points, frame)).toBe("M0 0 L10 10 M30 5 L40 5 M100 5");
  });

  it("leaves out points outside the time span", () => {
    expect(chartPath([{ t: -1, v: 1 }, { t: 11, v: 1 }], { from: 0, to: 10, yMax: 1, width: 10, height: 10 })).toBe("");
  });

  it("spans at least a minute while the history is short, and five minutes once it is full", () => {
    const now = 1_000_000;
    expect(timeSpan([sample(now - 10_000, 0)], now)).toEqual({ from: now - 60_000, to: now });
    expect(timeSpan([sample(now - 90_000, 0)], now)).toEqual({ from: now - 90_000, to: now });
    expect(timeSpan([sample(now - 9 * 60_000, 0)], now)).toEqual({ from: now - WINDOW_MS, to: now });
    expect(spanLabel({ from: 0, to: WINDOW_MS })).toBe("5 min ago");
    expect(spanLabel({ from: 0, to: 90_000 })).toBe("90 s ago");
  });

  it("reads the latest and the peak value past gaps", () => {
    const points = [{ t: 0, v: 4 }, { t: 1, v: 9 }, { t: 2, v: null }];
    expect(latest(points)).toBe(9);
    expect(peak(points)).toBe(9);
    expect(latest([])).toBeNull();
  });
});
