// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://hub.example:8443/dashboard/"}

import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Notification, NumberedNotificationFrame } from "/client/hub-client.js";
import { clients, type FakeHubClient } from "./fake-hub-client.js";
import { jwt } from "./jwt.js";
import { allByTestId, byTestId, loadPage, signIn, visible } from "./pages.js";

const TOKEN_KEY = "hub.dashboard.token";
const token = jwt({ sub: "teacher-1", exp: Math.floor(Date.now() / 1000) + 600 });

/** A numbered notification, as the client gives it to the page. */
const notification = (over: Partial<NumberedNotificationFrame> = {}): Notification => ({
  type: "notification",
  id: "1700000000000-0",
  epoch: "e1",
  event: "batch_status_updated",
  category: "batch_progress",
  priority: "high",
  timestamp: "2026-12-07T23:00:00Z",
  correlation_id: "c1",
  data: { batch_id: "b-1", status: "processing" },
  replayed: false,
  ...over,
});

async function openFeed(): Promise<void> {
  await loadPage("index.html", () => import("../src/feed.js"));
}

async function signedIn(): Promise<FakeHubClient> {
  sessionStorage.setItem(TOKEN_KEY, token);
  await openFeed();
  await vi.waitFor(() => expect(clients).toHaveLength(1));
  return clients[0]!;
}

beforeEach(() => {
  sessionStorage.clear();
  clients.length = 0;
});

describe("the feed page", () => {
  it("asks for a token, keeps it in sessionStorage and connects to the same origin's /ws", async () => {
    await openFeed();
    expect(visible("signin-form")).toBe(true);
    signIn(token);
    await vi.waitFor(() => expect(clients).toHaveLength(1));
    const client = clients[0]!;
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe(token);
    expect(client.options.url).toBe("wss://hub.example:8443/ws");
    expect(await client.options.getToken()).toBe(token);
    expect(client.connects).toBe(1);
    expect(byTestId("user-id").textContent).toBe("teacher-1");
    expect(byTestId("token-lifetime").textContent).toMatch(/^(9 min \d\d s|10 min 00 s)$/);
    expect((byTestId("token-input") as HTMLInputElement).value).toBe("");
  });

  it("refuses text that is not a token, and an expired token", async () => {
    await openFeed();
    signIn("not a token");
    expect(visible("signin-error")).toBe(true);
    signIn(jwt({ sub: "u", exp: 1 }));
    expect(byTestId("signin-error").textContent).toMatch(/expired/);
    expect(clients).toHaveLength(0);
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
  });

  it("lists notifications newest first, with event, category, priority, time and data as text", async () => {
    const client = await signedIn();
    client.emit("notification", notification({ id: "1-0", event: "first" }));
    client.emit(
      "notification",
      notification({ id: "2-0", event: "<b>second</b>", category: null, priority: "low", data: { note: "<img src=x onerror=alert(1)>" } }),
    );
    const items = allByTestId("feed-item");
    expect(items.map((i) => i.dataset.id)).toEqual(["2-0", "1-0"]);
    expect(allByTestId("feed-item-event").map((e) => e.textContent)).toEqual(["<b>second</b>", "first"]);
    expect(allByTestId("feed-item-priority").map((e) => e.textContent)).toEqual(["low", "high"]);
    expect(allByTestId("feed-item-category").map((e) => e.textContent)).toEqual(["no category", "batch_progress"]);
    expect(allByTestId("feed-item-time")[0]!.getAttribute("datetime")).toBe("2026-12-07T23:00:00.000Z");
    expect(allByTestId("feed-item-data")[0]!.textContent).toBe("note: <img src=x onerror=alert(1)>");
    expect(byTestId("feed").querySelector("img, b")).toBeNull();
    expect(visible("feed-empty")).toBe(false);
  });

  it("shows the connection state and the last close with its retry", async () => {
    const client = await signedIn();
    expect(byTestId("connection-state").dataset.state).toBe("connecting");
    client.emit("state", "open");
    expect(byTestId("connection-state").textContent).toBe("Connected");
    client.nextRetryAt = Date.now() + 3_000;
    client.emit("closed", { code: 1001, reason: "server shutting down", terminal: false, willRetry: true });
    client.emit("state", "reconnecting");
    expect(byTestId("last-close-code").textContent).toBe("1001");
    expect(byTestId("last-close-reason").textContent).toBe("server shutting down");
    expect(byTestId("last-close-retry").textContent).toMatch(/^yes, at /);
    expect(visible("next-retry")).toBe(true);
    expect(byTestId("next-retry").textContent).toMatch(/^next attempt in [23] s/);

    client.nextRetryAt = null;
    client.emit("closed", { code: 4003, reason: "disconnected by operator", terminal: true, willRetry: false });
    client.emit("state", "closed");
    expect(byTestId("last-close-retry").textContent).toMatch(/^no: this close is final/);
    expect(visible("next-retry")).toBe(false);
  });

  it("counts the notifications one resume replayed in a banner", async () => {
    const client = await signedIn();
    client.emit("state", "open");
    client.emit("notification", notification({ id: "1-0" }));
    expect(visible("replay-banner")).toBe(false);
    client.emit("state", "reconnecting");
    client.emit("state", "open");
    client.emit("notification", notification({ id: "2-0", replayed: true }));
    client.emit("notification", notification({ id: "3-0", replayed: true }));
    expect(visible("replay-banner")).toBe(true);
    expect(byTestId("replay-banner").dataset.count).toBe("2");
    expect(allByTestId("feed-item").map((i) => i.dataset.replayed)).toEqual(["true", "true", "false"]);
    // The next resume counts afresh.
    client.emit("state", "reconnecting");
    client.emit("state", "open");
    client.emit("notification", notification({ id: "4-0", replayed: true }));
    expect(byTestId("replay-banner").dataset.count).toBe("1");
  });

  it("shows a banner and a marker in the feed when a resync happened", async () => {
    const client = await signedIn();
    client.emit("notification", notification({ id: "1-0" }));
    client.emit("resync", { epoch: "e2" });
    client.emit("notification", notification({ id: "5-0", epoch: "e2" }));
    expect(visible("resync-banner")).toBe(true);
    const children = [...byTestId("feed").children] as HTMLElement[];
    expect(children.map((c) => c.dataset.testid)).toEqual(["feed-item", "feed-resync-marker", "feed-item"]);
  });

  it("signs out: disconnects, forgets the token and empties the page", async () => {
    const client = await signedIn();
    client.emit("notification", notification());
    byTestId("signout-button").click();
    expect(client.disconnects).toBe(1);
    expect(sessionStorage.getItem(TOKEN_KEY)).toBeNull();
    expect(allByTestId("feed-item")).toHaveLength(0);
    expect(visible("signin-form")).toBe(true);
    expect(await client.options.getToken()).toBeNull();
  });

  it("hands the client no token once the pasted one has expired, and says so", async () => {
    const client = await signedIn();
    expect(visible("token-expired-hint")).toBe(false);
    sessionStorage.setItem(TOKEN_KEY, jwt({ sub: "teacher-1", exp: Math.floor(Date.now() / 1000) - 1 }));
    expect(await client.options.getToken()).toBeNull();
    await vi.waitFor(() => expect(byTestId("token-lifetime").textContent).toBe("expired"), { timeout: 1500 });
    expect(visible("token-expired-hint")).toBe(true);
  });
});
