//! The Vue 3 binding: `app.use(HubPlugin, options)` makes one client per app, and
//! `useNotificationHub()` gives components and setup stores read-only refs and a listener that
//! goes away with the calling scope. Under server-side rendering it does nothing.

import { getCurrentScope, inject, onScopeDispose, readonly, shallowRef, type App, type InjectionKey, type Ref } from "vue";
import { createHubClient, type ClosedEvent, type HubClient, type HubClientOptions, type HubState } from "./client.js";
import type { Notification } from "./frames.js";

export interface HubPluginOptions extends HubClientOptions {
  /** Connect when the plugin is installed (default false: connect once signed in). */
  autoConnect?: boolean;
}

interface HubContext {
  client: HubClient | null;
  state: Ref<HubState>;
  lastClose: Ref<ClosedEvent | null>;
  nextRetryAt: Ref<number | null>;
  isLeader: Ref<boolean>;
}

const HUB: InjectionKey<HubContext> = Symbol("notification-hub");

export const HubPlugin = {
  install(app: App, options: HubPluginOptions): void {
    // No window: server-side rendering. Provide inert refs and no client.
    const client = typeof window === "undefined" ? null : createHubClient(options);
    const ctx: HubContext = {
      client,
      state: shallowRef<HubState>("idle"),
      lastClose: shallowRef(null),
      nextRetryAt: shallowRef(null),
      isLeader: shallowRef(false),
    };
    if (client) {
      const sync = () => {
        ctx.state.value = client.state;
        ctx.nextRetryAt.value = client.nextRetryAt;
        ctx.isLeader.value = client.isLeader;
      };
      client.on("state", sync);
      client.on("closed", (c) => (ctx.lastClose.value = c));
      app.onUnmount(() => client.disconnect());
      if (options.autoConnect) client.connect();
      sync();
    }
    app.provide(HUB, ctx);
  },
};

export interface NotificationHub {
  /** The app's client; null under server-side rendering. */
  client: HubClient | null;
  state: Readonly<Ref<HubState>>;
  lastClose: Readonly<Ref<ClosedEvent | null>>;
  nextRetryAt: Readonly<Ref<number | null>>;
  isLeader: Readonly<Ref<boolean>>;
  /** Listens for notifications until the calling effect scope (component, store) is disposed. */
  onNotification(callback: (n: Notification) => void): () => void;
}

/** The app's hub; call it in `setup()`, a setup store, or inside `app.runWithContext()`. */
export function useNotificationHub(): NotificationHub {
  const ctx = inject(HUB, null);
  if (!ctx) throw new Error("useNotificationHub() needs app.use(HubPlugin, options) first");
  const { client } = ctx;
  return {
    client,
    state: readonly(ctx.state),
    lastClose: readonly(ctx.lastClose),
    nextRetryAt: readonly(ctx.nextRetryAt),
    isLeader: readonly(ctx.isLeader),
    onNotification(callback) {
      const off = client ? client.on("notification", callback) : () => {};
      if (getCurrentScope()) onScopeDispose(off);
      return off;
    },
  };
}
