import { describe, expect, it } from "vitest";
import { describeFailure, failureOfStatus, formatAge, isStale, POLL_MS } from "../src/poll.js";

describe("the stale rule", () => {
  const t0 = 1_000_000;

  it("is fresh up to two poll periods after the last success", () => {
    const record = { lastSuccessAt: t0, lastFailure: null };
    expect(isStale(record, t0 + 2 * POLL_MS)).toBe(false);
    expect(isStale(record, t0 + 2 * POLL_MS + 1)).toBe(true);
  });

  it("is stale at once when the last fetch failed, however recent the last success", () => {
    expect(isStale({ lastSuccessAt: t0, lastFailure: { kind: "unreachable" } }, t0 + 10)).toBe(true);
  });

  it("shows nothing as stale before the first answer, unless the first fetch failed", () => {
    expect(isStale({ lastSuccessAt: null, lastFailure: null }, t0)).toBe(false);
    expect(isStale({ lastSuccessAt: null, lastFailure: { kind: "refused", status: 401 } }, t0)).toBe(true);
  });
});

describe("naming a failure", () => {
  it("calls 401 and 403 a refused token, and other statuses the hub's answer", () => {
    expect(describeFailure(failureOfStatus(401))).toBe("token refused (401)");
    expect(describeFailure(failureOfStatus(403))).toBe("token refused (403)");
    expect(describeFailure(failureOfStatus(503))).toBe("the hub answered 503");
    expect(describeFailure({ kind: "unreachable" })).toBe("unreachable");
    expect(describeFailure({ kind: "invalid" })).toBe("the answer was not a status");
  });

  it("says how old the figures are", () => {
    expect(formatAge(1500)).toBe("just now");
    expect(formatAge(5_000)).toBe("5 s ago");
    expect(formatAge(185_000)).toBe("3 min ago");
  });
});
