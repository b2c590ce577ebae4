//! A pasted JWT as the dashboard sees it: its payload read without verifying it (the hub
//! verifies), and how long it has left, in words.

export interface TokenClaims {
  /** The user id, or null when the payload has none. */
  sub: string | null;
  /** Expiry, in Unix seconds, or null when the payload has none. */
  exp: number | null;
  /** `roles` (a list) and `role` (a string) together, as the hub reads them. */
  roles: string[];
}

/** Reads a JWT's payload; null when the text is not a JWT with a JSON object payload. */
export function readToken(token: string): TokenClaims | null {
  const parts = token.trim().split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  let payload: unknown;
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
    payload = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return null;
  const p = payload as Record<string, unknown>;
  const roles = Array.isArray(p.roles) ? p.roles.filter((r): r is string => typeof r === "string") : [];
  if (typeof p.role === "string") roles.push(p.role);
  return {
    sub: typeof p.sub === "string" ? p.sub : null,
    exp: typeof p.exp === "number" && Number.isFinite(p.exp) ? p.exp : null,
    roles,
  };
}

/** Whole seconds left before `exp` (negative once past), or null when there is no `exp`. */
export function secondsLeft(claims: TokenClaims, nowMs: number): number | null {
  return claims.exp === null ? null : Math.floor(claims.exp - nowMs / 1000);
}

/** Whether a token can still be used at `nowMs`: it has not passed its `exp`. */
export function isUsable(claims: TokenClaims, nowMs: number): boolean {
  const left = secondsLeft(claims, nowMs);
  return left === null || left > 0;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A token's remaining lifetime in words: `"expired"`, `"45 s"`, `"4 min 05 s"`, `"2 h 03 min"`, `"3 d 4 h"`. */
export function formatLifetime(seconds: number | null): string {
  if (seconds === null) return "no expiry";
  if (seconds <= 0) return "expired";
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${pad(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${pad(minutes % 60)} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** How urgent the remaining lifetime is: under five minutes is `"soon"`. */
export function lifetimeLevel(seconds: number | null): "ok" | "soon" | "expired" {
  if (seconds === null) return "ok";
  if (seconds <= 0) return "expired";
  return seconds < 300 ? "soon" : "ok";
}
