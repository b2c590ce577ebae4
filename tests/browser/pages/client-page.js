// The test page: imports the client from the hub (`?hub=<origin>`, by its absolute URL, so the
// import crosses origins and needs the hub's CORS answer), and records everything the client
// emits in `window.events`, in order. The test drives it with `page.evaluate`.

const hub = new URLSearchParams(location.search).get("hub");
const status = document.getElementById("status");

window.events = [];
window.ready = import(`${hub}/client/hub-client.js`).then(
  (mod) => {
    window.hubClientModule = mod;
    status.textContent = "client loaded";
    return true;
  },
  (err) => {
    status.textContent = `client failed to load: ${err}`;
    return `client failed to load: ${err}`;
  },
);

/**
 * Creates and connects a client. `getToken` asks the test (the `testGetToken` binding it exposed);
 * `onResync` is recorded and takes `resyncDelay` ms, so frames held behind it can be seen.
 */
window.start = ({ url, shareAcrossTabs = false, timings = {}, resyncDelay = 200 }) => {
  const { createHubClient } = window.hubClientModule;
  const events = window.events;
  const client = createHubClient({
    url,
    shareAcrossTabs,
    storage: null,
    timings,
    getToken: async () => {
      const token = await window.testGetToken();
      events.push({ type: "getToken", at: Date.now(), got: token === null ? null : "token" });
      return token;
    },
    onResync: async ({ epoch }) => {
      events.push({ type: "onResync", epoch, at: Date.now() });
      await new Promise((r) => setTimeout(r, resyncDelay));
      events.push({ type: "onResyncDone", epoch, at: Date.now() });
    },
  });
  client.on("notification", (n) =>
    events.push({ type: "notification", id: n.id, epoch: n.epoch, event: n.event, data: n.data, replayed: n.replayed, at: Date.now() }),
  );
  client.on("state", (s) => events.push({ type: "state", state: s, leader: client.isLeader, at: Date.now() }));
  client.on("resync", (r) => events.push({ type: "resync", epoch: r.epoch, at: Date.now() }));
  client.on("closed", (c) => events.push({ type: "closed", ...c, at: Date.now() }));
  window.client = client;
  client.connect();
  return true;
};

/** What the test reads: the client's public fields. */
window.snapshot = () => {
  const c = window.client;
  return c
    ? { state: c.state, lastId: c.lastId, epoch: c.epoch, isLeader: c.isLeader, nextRetryAt: c.nextRetryAt, stats: c.stats }
    : null;
};
