// @vitest-environment happy-dom
import { mount } from "@vue/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp, defineComponent, effectScope, h, nextTick } from "vue";
import { HubPlugin, useNotificationHub, type HubPluginOptions } from "../src/vue.js";
import type { Notification } from "../src/index.js";
import { FakeSocket, jwt, last, MemoryStorage, note, tick, world } from "./fakes.js";

beforeEach(world);
afterEach(() => vi.useRealTimers());

const options = (more: Partial<HubPluginOptions> = {}): HubPluginOptions => ({
  url: "ws://hub.test/ws",
  getToken: async () => jwt("teacher-1"),
  storage: new MemoryStorage(),
  WebSocket: FakeSocket,
  timings: { backoffBase: 100, pingInterval: 60_000 },
  env: { random: () => 0.5 },
  ...more,
});

/** A component that shows the hub's refs and records what its onNotification got. */
const Feed = defineComponent({
  props: { got: { type: Array, required: true } },
  setup(props) {
    const hub = useNotificationHub();
    hub.onNotification((n) => (props.got as Notification[]).push(n));
    return () =>
      h("p", `${hub.state.value}|${hub.lastClose.value?.code ?? "-"}|${hub.nextRetryAt.value ?? "-"}|${hub.isLeader.value}`);
  },
});

describe("the Vue binding", () => {
  it("gives components read-only refs that follow the client", async () => {
    const got: Notification[] = [];
    const w = mount(Feed, { props: { got }, global: { plugins: [[HubPlugin, options()]] } });
    expect(w.text()).toBe("idle|-|-|false");
    const client = useClientOf(w);
    client.connect();
    await tick();
    await nextTick();
    expect(w.text()).toBe("connecting|-|-|true");
    last().open();
    await nextTick();
    expect(w.text()).toBe("open|-|-|true");
    last().serverClose(1006);
    await nextTick();
    expect(w.text()).toBe(`reconnecting|1006|${Date.now() + 50}|true`);
    last().serverClose(4003); // a stale socket: ignored
    await tick(50);
    last().open();
    last().serverClose(4003);
    await nextTick();
    expect(w.text()).toBe("closed|4003|-|false");
  });

  it("calls onNotification until the component's scope is disposed", async () => {
    const got: Notification[] = [];
    const w = mount(Feed, { props: { got }, global: { plugins: [[HubPlugin, options({ autoConnect: true })]] } });
    await tick();
    const ws = last();
    ws.open();
    ws.frame(note("1-0"));
    w.unmount();
    ws.frame(note("2-0"));
    expect(got.map((n) => n.id)).toEqual(["1-0"]);
    expect(got[0]).toMatchObject({ event: "batch_status_updated", replayed: false });
  });

  it("removes a listener with any effect scope, not only a component's", async () => {
    const app = createApp({ render: () => null });
    app.use(HubPlugin, options({ autoConnect: true }));
    const got: string[] = [];
    const scope = effectScope();
    app.runWithContext(() => scope.run(() => useNotificationHub().onNotification((n) => got.push(n.id!))));
    await tick();
    last().open();
    last().frame(note("1-0"));
    scope.stop();
    last().frame(note("2-0"));
    expect(got).toEqual(["1-0"]);
  });

  it("keeps its refs read-only", async () => {
    const app = createApp({ render: () => null });
    app.use(HubPlugin, options());
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const hub = app.runWithContext(useNotificationHub);
    (hub.state as any).value = "open";
    expect(hub.state.value).toBe("idle");
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it("makes one client per app, connects with autoConnect and disconnects when the app unmounts", async () => {
    const app = createApp({ render: () => null });
    app.use(HubPlugin, options({ autoConnect: true }));
    const a = app.runWithContext(useNotificationHub);
    const b = app.runWithContext(useNotificationHub);
    expect(a.client).toBe(b.client);
    app.mount(document.createElement("div"));
    await tick();
    expect(FakeSocket.all).toHaveLength(1);
    last().open();
    app.unmount();
    expect(last().closedByClient).toBe(1000);
    expect(a.client!.state).toBe("closed");
    await tick(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("says what is missing when the plugin was not installed", () => {
    const app = createApp({ render: () => null });
    expect(() => app.runWithContext(useNotificationHub)).toThrow(/HubPlugin/);
  });
});

function useClientOf(w: ReturnType<typeof mount>) {
  return w.vm.$.appContext.app.runWithContext(useNotificationHub).client!;
}
