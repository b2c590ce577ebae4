// @vitest-environment happy-dom
// @vitest-environment-options {"url": "http://127.0.0.1:9090/dashboard/admin"}

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { POLL_MS } from "../src/poll.js";
import { jwt } from "./jwt.js";
import { allByTestId, byTestId, loadPage, signIn, visible } from "./pages.js";
import { statusBody } from "./status-body.js";

const TOKEN_KEY = "hub.dashboard.adminToken";
const adminToken = jwt({ sub: "ops", exp: Math.floor(Date.now() / 1000) + 3600, roles: ["admin"] });

/** The hub's answers, one per fetch; the last one repeats. */
let answers: (() => Promise<Response>)[] = [];
const fetchMock = vi.fn((_url: string, _init?: RequestInit) => (answers.length > 1 ? answers.shift()! : answers[0]!)());
const ok = (body: unknown) => () => Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
const refused = () => Promise.resolve(new Response('{"error":"unauthorized"}', { status: 401 }));
const unreachable = () => Promise.reject(new TypeError("Failed to fetch"));

async function openAdmin(): Promise<void> {
  await loadPage("admin.html", () => import("../src/admin.js"));
}

/** Lets the fetch and its JSON settle. */
const settle = () => vi.advanceTimersByTimeAsync(0);

function setVisibility(state: "visible" | "hidden"): void {
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  vi.stubGlobal("fetch", fetchMock);
  fetchMock.mockClear();
  sessionStorage.clear();
  answers = [ok(statusBody())];
  setVisibility("visible");
});

afterEach(() => {
  // Stops this page's polling before the next test loads the page again.
  if (visible("signout-button")) byTestId("signout-button").click();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("the admin page", () => {
  it("reads /status with the admin token and shows every count", async () => {
    await openAdmin();
    signIn(adminToken);
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe("/status");
    expect(new Headers(init!.headers).get("Authorization")).toBe(`Bearer ${adminToken}`);
    const value = (id: string) => byTestId(id).dataset.value;
    expect(
      [
        "count-actors-connection",
        "count-actors-user_session",
        "count-actors-registry",
        "count-actors-topic_consumer",
        "count-sockets",
        "count-socket-cap",
        "count-unique-users",
        "count-published",
        "count-delivered",
        "count-dropped-duplicate",
        "count-dropped-user_offline",
        "count-dropped-slow_client",
      ].map(value),
    ).toEqual(["4", "3", "1", "0", "4", "100", "3", "120", "118", "2", "5", "1"]);
    expect(byTestId("mode").textContent).toBe("embedded");
    expect(byTestId("kafka-state").textContent).toBe("off");
    expect(visible("cluster")).toBe(false);
    expect(visible("stale-marker")).toBe(false);
  });

  it("polls every period and draws the charts", async () => {
    answers = [ok(statusBody({ notifications: { published: 0, delivered: 100 } })), ok(statusBody({ notifications: { published: 0, delivered: 140 } }))];
    sessionStorage.setItem(TOKEN_KEY, adminToken);
    await openAdmin();
    await settle();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(document.getElementById("chart-delivered-now")!.textContent).toBe("20");
    expect(document.getElementById("chart-delivered-path")!.getAttribute("d")).toMatch(/^M[\d.]+ [\d.]+$/);
    expect(document.getElementById("chart-sockets-path")!.getAttribute("d")).toMatch(/^M[\d.]+ [\d.]+ L300 /);
  });

  it("lists each instance of the cluster with its counts, and the totals", async () => {
    answers = [
      ok(
        statusBody({
          mode: "clustered",
          cluster: {
            instances: [
              { instance_id: "hub-1", sockets: 4, user_sessions: 3, published: 120, delivered: 118, uptime_seconds: 60, version: "0.1.0" },
              { instance_id: "hub-2", sockets: 6, user_sessions: 5, published: 80, delivered: 79, uptime_seconds: 30, version: "0.1.0" },
            ],
            totals: { instances: 2, sockets: 10, user_sessions: 8 },
          },
        }),
      ),
    ];
    sessionStorage.setItem(TOKEN_KEY, adminToken);
    await openAdmin();
    await settle();
    const rows = allByTestId("instance-row");
    expect(rows.map((r) => r.dataset.instanceId)).toEqual(["hub-1", "hub-2"]);
    expect(rows.map((r) => r.querySelector<HTMLElement>('[data-testid="instance-sockets"]')!.dataset.value)).toEqual(["4", "6"]);
    expect(["total-instances", "total-sockets", "total-user-sessions", "total-published", "total-delivered"].map((id) => byTestId(id).dataset.value)).toEqual(["2", "10", "8", "200", "197"]);
  });

  it("marks the figures stale when the token is refused or the hub unreachable, and fresh again after", async () => {
    answers = [ok(statusBody()), refused, unreachable, ok(statusBody())];
    sessionStorage.setItem(TOKEN_KEY, adminToken);
    await openAdmin();
    await settle();
    expect(visible("stale-marker")).toBe(false);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(visible("stale-marker")).toBe(true);
    expect(byTestId("stale-reason").textContent).toBe("token refused (401)");
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(byTestId("stale-reason").textContent).toBe("unreachable");
    expect(byTestId("count-sockets").dataset.value).toBe("4"); // the last figures stay, marked
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(visible("stale-marker")).toBe(false);
  });

  it("marks the figures stale when no answer came for two poll periods", async () => {
    answers = [ok(statusBody()), () => new Promise<Response>(() => {})];
    sessionStorage.setItem(TOKEN_KEY, adminToken);
    await openAdmin();
    await settle();
    await vi.advanceTimersByTimeAsync(POLL_MS + 1000);
    expect(visible("stale-marker")).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(visible("stale-marker")).toBe(true);
    expect(byTestId("stale-reason").textContent).toMatch(/^no answer for \d+ s$/);
  });

  it("pauses while the page is hidden and fetches at once when it is visible again", async () => {
    sessionStorage.setItem(TOKEN_KEY, adminToken);
    await openAdmin();
    await settle();
    setVisibility("hidden");
    await vi.advanceTimersByTimeAsync(5 * POLL_MS);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    setVisibility("visible");
    await settle();
    expect(fetchMock).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(fetchMock).toHaveBeenCalledTimes(3);
  });

  it("takes only a token with the admin role, and forgets it on sign-out", async () => {
    await openAdmin();
    signIn(jwt({ sub: "teacher", exp: Math.floor(Date.now() / 1000) + 60, roles: ["teacher"] }));
    expect(byTestId("signin-error").textContent).toMatch(/no admin role/);
    expect(fetchMock).not.toHaveBeenCalled();
    signIn(adminToken);
    await settle();
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe(adminToken);
    byTestId("signout-button").click();
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
    expect(visible("signin-form")).toBe(true);
    await vi.advanceTimersByTimeAsync(3 * POLL_MS);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

});
