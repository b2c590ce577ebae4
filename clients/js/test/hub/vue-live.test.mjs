// The Vue binding against the real hub: HubPlugin + useNotificationHub in components mounted with
// @vue/test-utils (happy-dom), the `ws` package as the client's WebSocket. Starts the hub binary
// named by HUB_BIN with the browser tests' harness (tests/browser/lib/hub.mjs).

import { mount } from "@vue/test-utils";
import { afterAll, beforeAll, expect, it } from "vitest";
import { defineComponent, h, ref } from "vue";
import WebSocket from "ws";
import { HubPlugin, useNotificationHub } from "../../src/vue.ts";
import { sleep, startHub, waitFor } from "../../../../tests/browser/lib/hub.mjs";

const TIMINGS = { pingInterval: 2000, pongTimeout: 2000, backoffBase: 100, backoffMax: 800, stability: 2000 };

let hub;
beforeAll(async () => {
  hub = await startHub({ name: "vue-live" });
});
afterAll(async () => {
  await hub?.close();
});

it("a component using useNotificationHub sees state open and a published notification; disposed listeners are removed", async () => {
  const user = "teacher-vue";
  const token = await hub.token(user);
  const childGot = [];

  const Child = defineComponent({
    setup() {
      useNotificationHub().onNotification((n) => childGot.push(n.id));
      return () => h("span", "child");
    },
  });
  const Feed = defineComponent({
    setup() {
      const hubApi = useNotificationHub();
      const items = ref([]);
      const showChild = ref(true);
      hubApi.onNotification((n) => items.value.push(n));
      return { state: hubApi.state, items, showChild };
    },
    render() {
      return h("div", [
        h("p", { "data-testid": "state" }, this.state),
        h("ul", this.items.map((n) => h("li", { key: n.id, "data-id": n.id, "data-replayed": String(n.replayed) }, n.event))),
        this.showChild ? h(Child) : null,
      ]);
    },
  });

  const wrapper = mount(Feed, {
    attachTo: document.body,
    global: {
      plugins: [[HubPlugin, { url: hub.wsUrl, getToken: () => token, WebSocket, storage: null, timings: TIMINGS, autoConnect: true }]],
    },
  });
  try {
    await waitFor(() => wrapper.find('[data-testid="state"]').text() === "open", { message: "state open" });

    const first = await hub.publish(user, "batch_files_uploaded", { batch_id: "b-vue", file_count: 2 });
    await waitFor(() => wrapper.findAll("li").length === 1, { message: "the notification rendered" });
    const li = wrapper.find("li");
    expect(li.attributes("data-id")).toBe(first);
    expect(li.attributes("data-replayed")).toBe("false");
    expect(li.text()).toBe("batch_files_uploaded");
    expect(childGot).toEqual([first]);

    // The child's scope is disposed: its listener goes with it, the parent's stays.
    wrapper.vm.showChild = false;
    await waitFor(() => !wrapper.text().includes("child"), { message: "the child unmounted" });
    const second = await hub.publish(user, "batch_essays_ready", { batch_id: "b-vue" });
    await waitFor(() => wrapper.findAll("li").length === 2, { message: "the second notification rendered" });
    await sleep(200);
    expect(wrapper.findAll("li").map((l) => l.attributes("data-id"))).toEqual([first, second]);
    expect(childGot).toEqual([first]);
  } finally {
    // Unmounting the app disconnects its client: the hub sees the socket go.
    wrapper.unmount();
  }
  await waitFor(async () => (await hub.status()).sockets === 0, { message: "the socket closed on unmount" });
  await sleep(1000); // longer than the backoff: nothing reconnects
  expect((await hub.status()).sockets).toBe(0);
});
