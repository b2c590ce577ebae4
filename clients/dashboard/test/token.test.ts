import { describe, expect, it } from "vitest";
import { formatLifetime, isUsable, lifetimeLevel, readToken, secondsLeft } from "../src/token.js";
import { jwt } from "./jwt.js";

describe("reading a pasted token", () => {
  it("reads sub, exp and roles from the payload without verifying it", () => {
    const claims = readToken(jwt({ sub: "teacher-1", exp: 2_000_000_000, roles: ["admin"], role: "service" }));
    expect(claims).toEqual({ sub: "teacher-1", exp: 2_000_000_000, roles: ["admin", "service"] });
  });

  it("reads base64url payloads with characters that differ from base64", () => {
    // "ü" and "?" in a JSON payload give "-" and "_" in base64url.
    expect(readToken(jwt({ sub: "Jürgen??>", exp: 1 }))?.sub).toBe("Jürgen??>");
  });

  it("refuses text that is not a JWT", () => {
    for (const text of ["", "abc", "a.b", "a.!!!.c", `x.${btoa("[1,2]")}.y`, `x.${btoa("not json")}.y`]) {
      expect(readToken(text)).toBeNull();
    }
  });
});

describe("a token's remaining lifetime", () => {
  const exp = 1_700_000_000;
  const at = (secondsBefore: number) => (exp - secondsBefore) * 1000;

  it("counts whole seconds down to exp", () => {
    const claims = readToken(jwt({ sub: "u", exp }))!;
    expect(secondsLeft(claims, at(90))).toBe(90);
    expect(secondsLeft(claims, at(89.5))).toBe(89);
    expect(isUsable(claims, at(1))).toBe(true);
    expect(isUsable(claims, at(0))).toBe(false);
  });

  it("reads in words at every scale", () => {
    expect(formatLifetime(0)).toBe("expired");
    expect(formatLifetime(-5)).toBe("expired");
    expect(formatLifetime(45)).toBe("45 s");
    expect(formatLifetime(245)).toBe("4 min 05 s");
    expect(formatLifetime(2 * 3600 + 3 * 60 + 59)).toBe("2 h 03 min");
    expect(formatLifetime(3 * 86400 + 4 * 3600 + 5)).toBe("3 d 4 h");
    expect(formatLifetime(null)).toBe("no expiry");
  });

  it("is flagged under five minutes, and once expired", () => {
    expect(lifetimeLevel(301)).toBe("ok");
    expect(lifetimeLevel(299)).toBe("soon");
    expect(lifetimeLevel(0)).toBe("expired");
    expect(lifetimeLevel(null)).toBe("ok");
  });
});
