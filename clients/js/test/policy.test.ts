import { describe, expect, it } from "vitest";
import { CLOSE_POLICY, closeAction, compareIds, DEFAULT_TIMINGS, PROTOCOL_VERSION, retryDelay } from "../src/index.js";
import { parseFrame } from "../src/frames.js";

describe("the close-code table", () => {
  it("follows the README's catalogue code by code", () => {
    expect(CLOSE_POLICY).toEqual({
      1001: "spread",
      1006: "backoff",
      1008: "terminal",
      1009: "terminal",
      1011: "backoff",
      4000: "terminal",
      4001: "fresh-token",
      4002: "resume",
      4003: "terminal",
      4004: "spread",
    });
  });

  it("backs off on codes it does not know", () => {
    for (const code of [1000, 1005, 1012, 3000, 4005, 4999]) expect(closeAction(code, true)).toBe("backoff");
  });

  it("treats any close before open as a failed handshake", () => {
    for (const code of [1006, 4003, 1008, 4001]) expect(closeAction(code, false)).toBe("handshake");
  });
});

describe("retry delays", () => {
  const t = { ...DEFAULT_TIMINGS, backoffBase: 100, backoffMax: 1600, resumeJitter: 50, spread: 3000 };

  it("are full jitter within a window that doubles per attempt up to the cap", () => {
    const windows = [100, 200, 400, 800, 1600, 1600, 1600];
    windows.forEach((w, attempt) => {
      expect(retryDelay("backoff", attempt, t, () => 0)).toBe(0);
      expect(retryDelay("backoff", attempt, t, () => 0.999999)).toBeCloseTo(w * 0.999999, 3);
      expect(retryDelay("backoff", attempt, t, () => 0.5)).toBe(w / 2);
    });
  });

  it("start at once (a little jitter) for 4001 and 4002, spread over seconds for 1001 and 4004", () => {
    expect(retryDelay("resume", 0, t, () => 0.999)).toBeLessThan(50);
    expect(retryDelay("fresh-token", 0, t, () => 0.999)).toBeLessThan(50);
    expect(retryDelay("spread", 0, t, () => 0.999)).toBeGreaterThan(2900);
    expect(retryDelay("handshake", 0, t, () => 0.999)).toBeLessThan(100);
  });

  it("back off for every action once a run of attempts has begun", () => {
    for (const action of ["resume", "fresh-token", "spread", "handshake"] as const)
      expect(retryDelay(action, 3, t, () => 0.5)).toBe(400);
  });

  it("default to a capped backoff of 30 s and a 5 s spread", () => {
    expect(retryDelay("backoff", 20, DEFAULT_TIMINGS, () => 1)).toBe(30_000);
    expect(retryDelay("spread", 0, DEFAULT_TIMINGS, () => 1)).toBe(5_000);
  });
});

describe("notification ids", () => {
  it("compare as pairs of integers, not as strings", () => {
    expect(compareIds("9-0", "10-0")).toBeLessThan(0);
    expect(compareIds("10-2", "10-10")).toBeLessThan(0);
    expect(compareIds("10-10", "10-2")).toBeGreaterThan(0);
    expect(compareIds("1795311104021-0", "1795311104021-0")).toBe(0);
    expect(compareIds("007-1", "7-1")).toBe(0);
    expect(compareIds("99999999999999999999-0", "99999999999999999998-5")).toBeGreaterThan(0);
  });
});

describe("frame parsing", () => {
  it("names the protocol version", () => expect(PROTOCOL_VERSION).toBe("v1"));

  it("accepts the README's frames", () => {
    const n = { type: "notification", id: "1-0", epoch: "e", event: "x", category: null, priority: "low", timestamp: "t", correlation_id: "c", data: {} };
    expect(parseFrame(JSON.stringify(n))).toEqual(n);
    expect(parseFrame('{"type":"notification","id":null,"epoch":null,"event":"x","data":{}}')).toMatchObject({ id: null });
    expect(parseFrame('{"type":"pong"}')).toEqual({ type: "pong" });
    expect(parseFrame('{"type":"token_expiring","exp":5}')).toEqual({ type: "token_expiring", exp: 5 });
    expect(parseFrame('{"type":"resync","epoch":"e2"}')).toEqual({ type: "resync", epoch: "e2" });
    expect(parseFrame('{"type":"error","code":"auth_failed","message":"m"}')).toMatchObject({ code: "auth_failed" });
  });

  it("calls everything else malformed or unknown, and never throws", () => {
    const malformed = [
      "not json",
      "[]",
      "null",
      "42",
      '{"no":"type"}',
      '{"type":7}',
      '{"type":"notification","id":"x-1","epoch":"e","event":"x","data":{}}',
      '{"type":"notification","id":"1-1","epoch":null,"event":"x","data":{}}',
      '{"type":"notification","id":"1-1","epoch":"e","data":{}}',
      '{"type":"notification","id":"1-1","epoch":"e","event":"x","data":[]}',
      '{"type":"token_expiring","exp":"soon"}',
      '{"type":"resync"}',
    ];
    for (const m of malformed) expect(parseFrame(m), m).toBe("malformed");
    expect(parseFrame(new ArrayBuffer(2))).toBe("malformed");
    expect(parseFrame('{"type":"presence"}')).toBe("unknown");
    expect(parseFrame('{"type":"toString"}')).toBe("unknown");
    expect(parseFrame('{"type":"__proto__"}')).toBe("unknown");
  });
});
