// @vitest-environment node
// Server-side rendering: no window, so the plugin makes no client and everything is inert.
import { describe, expect, it, vi } from "vitest";
import { createSSRApp, defineComponent, h } from "vue";
import { renderToString } from "vue/server-renderer";
import { HubPlugin, useNotificationHub } from "../src/vue.js";

describe("the Vue binding under server-side rendering", () => {
  it("renders with idle refs, opens no socket and never calls getToken", async () => {
    expect(typeof window).toBe("undefined");
    const WebSocket = vi.fn();
    const getToken = vi.fn(async () => "t");
    const callback = vi.fn();
    const App = defineComponent({
      setup() {
        const hub = useNotificationHub();
        const off = hub.onNotification(callback);
        off();
        return () => h("p", `${hub.state.value} ${hub.isLeader.value} ${hub.client}`);
      },
    });
    const app = createSSRApp(App);
    app.use(HubPlugin, { url: "ws://hub.test/ws", getToken, WebSocket, autoConnect: true });
    expect(await renderToString(app)).toBe("<p>idle false null</p>");
    expect(WebSocket).not.toHaveBeenCalled();
    expect(getToken).not.toHaveBeenCalled();
  });
});
