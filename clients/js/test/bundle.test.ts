// The committed browser build (what the hub serves at /client/hub-client.js) works as a module on
// its own: check-bundle proves it is a build of these sources; this proves the build still runs.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { FakeSocket, jwt, last, note, tick, world } from "./fakes.js";

beforeEach(world);
afterEach(() => vi.useRealTimers());

it("the committed single-file build connects, resumes and dedupes like the sources", async () => {
  const file = new URL("../../../assets/client/hub-client.js", import.meta.url).pathname;
  const hub = await import(/* @vite-ignore */ file);
  expect(hub.PROTOCOL_VERSION).toBe("v1");
  const client = hub.createHubClient({
    url: "ws://hub.test/ws",
    getToken: async () => jwt("teacher-1"),
    storage: null,
    WebSocket: FakeSocket,
    timings: { backoffBase: 100 },
    env: { random: () => 0.5 },
  });
  const got: string[] = [];
  client.on("notification", (n: { id: string }) => got.push(n.id));
  client.connect();
  await tick();
  last().open();
  last().frame(note("9-0"));
  last().serverClose(1006);
  await tick(100);
  expect(last().param("since")).toBe("9-0");
  last().open();
  last().frame(note("9-0", "e1", { replayed: true }));
  last().frame(note("10-0"));
  expect(got).toEqual(["9-0", "10-0"]);
  expect(FakeSocket.all).toHaveLength(2);
  client.disconnect();
});
