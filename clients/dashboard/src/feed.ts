//! The feed page (`/dashboard/`): sign in with a pasted token, then a live feed of the user's
//! notifications through the hub client, with the connection's state, its last close, banners
//! for a replay or a resync, and the token's remaining lifetime.

import type { ClosedEvent, HubClient, HubState, Notification } from "/client/hub-client.js";
import { byId, every, formatTime } from "./dom.js";
import { closeMeaning, renderNotification, STATE_LABELS } from "./feed-view.js";
import { setUpSignIn, usableToken } from "./signin.js";
import { formatLifetime, lifetimeLevel, readToken, secondsLeft } from "./token.js";

/** Where the pasted token lives: this tab's session storage, never a URL. */
const TOKEN_KEY = "hub.dashboard.token";
/** The client library, served by the hub; imported at sign-in so a missing one is reported. */
const CLIENT_URL = "/client/hub-client.js";
/** The feed keeps this many items; older ones leave from the bottom. */
const MAX_ITEMS = 200;

const ui = {
  user: byId("user-id"),
  lifetime: byId("token-lifetime"),
  expiredHint: byId("token-expired-hint"),
  clientError: byId("client-error"),
  stateDot: byId("state-dot"),
  state: byId("connection-state"),
  nextRetry: byId("next-retry"),
  lastClose: byId("last-close"),
  closeCode: byId("last-close-code"),
  closeMeaning: byId("last-close-meaning"),
  closeReason: byId("last-close-reason"),
  closeRetry: byId("last-close-retry"),
  closeTime: byId("last-close-time"),
  replayBanner: byId("replay-banner"),
  replayText: byId("replay-banner-text"),
  resyncBanner: byId("resync-banner"),
  resyncText: byId("resync-banner-text"),
  feed: byId<HTMLOListElement>("feed"),
  feedEmpty: byId("feed-empty"),
};

/** What a signed-in tab holds; dropped whole on sign-out. */
interface Session {
  client: HubClient | null;
  /** Undoes listeners and timers. */
  cleanups: (() => void)[];
  /** Counts connection attempts, so a replay banner counts one resume's frames. */
  round: number;
  replay: { round: number; count: number };
}

let session: Session | null = null;

/** The client's `getToken`: the pasted token while it is unexpired, else null (signed out). */
async function currentToken(): Promise<string | null> {
  return usableToken(TOKEN_KEY);
}

for (const button of document.querySelectorAll<HTMLButtonElement>("[data-dismiss]")) {
  button.addEventListener("click", () => {
    byId(button.dataset.dismiss!).hidden = true;
  });
}

async function start(token: string): Promise<void> {
  stop();
  const claims = readToken(token);
  const s: Session = { client: null, cleanups: [], round: 0, replay: { round: -1, count: 0 } };
  session = s;
  ui.user.textContent = claims?.sub ?? "(no sub)";
  s.cleanups.push(every(1000, tick));

  let createHubClient: typeof import("/client/hub-client.js").createHubClient;
  try {
    // A literal, so the bundler leaves it external and tests can stand a fake in.
    ({ createHubClient } = await import("/client/hub-client.js"));
  } catch {
    ui.clientError.textContent = `The hub client (${CLIENT_URL}) could not be loaded, so the feed cannot connect.`;
    ui.clientError.hidden = false;
    return;
  }
  if (session !== s) return; // signed out while loading

  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const client = createHubClient({ url: `${scheme}://${location.host}/ws`, getToken: currentToken });
  s.client = client;
  s.cleanups.push(
    client.on("state", (state) => onState(s, state)),
    client.on("closed", (closed) => onClosed(s, closed)),
    client.on("notification", (n) => onNotification(s, n)),
    client.on("resync", () => onResync()),
    () => client.disconnect(),
  );
  onState(s, client.state);
  client.connect();
}

/** Forgets the session: socket closed, listeners and timers gone, the page emptied. */
function stop(): void {
  for (const cleanup of session?.cleanups.splice(0).reverse() ?? []) cleanup();
  session = null;
  ui.feed.replaceChildren();
  ui.feedEmpty.hidden = false;
  for (const node of [ui.lastClose, ui.replayBanner, ui.resyncBanner, ui.clientError, ui.nextRetry]) node.hidden = true;
  setState("idle");
}

function setState(state: HubState): void {
  ui.state.textContent = STATE_LABELS[state] ?? state;
  ui.state.dataset.state = state;
  ui.stateDot.className = `dot dot-${state}`;
}

function onState(s: Session, state: HubState): void {
  if (state === "connecting" || state === "reconnecting") s.round += 1;
  setState(state);
  tick();
}

function onClosed(s: Session, closed: ClosedEvent): void {
  ui.closeCode.textContent = String(closed.code);
  ui.closeMeaning.textContent = `(${closeMeaning(closed.code)})`;
  ui.closeReason.textContent = closed.reason || "none given";
  ui.closeRetry.dataset.willRetry = String(closed.willRetry);
  ui.closeRetry.dataset.terminal = String(closed.terminal);
  ui.closeTime.textContent = formatTime(new Date());
  ui.lastClose.hidden = false;
  renderRetry(s);
}

function onNotification(s: Session, n: Notification): void {
  ui.feed.prepend(renderNotification(document, n));
  while (ui.feed.childElementCount > MAX_ITEMS) ui.feed.lastElementChild?.remove();
  ui.feedEmpty.hidden = true;
  if (!n.replayed) return;
  if (s.replay.round !== s.round) s.replay = { round: s.round, count: 0 };
  s.replay.count += 1;
  const count = s.replay.count;
  ui.replayText.textContent =
    `${count} ${count === 1 ? "notification" : "notifications"} missed while disconnected ` +
    `${count === 1 ? "was" : "were"} delivered on reconnecting (${formatTime(new Date())}). They are marked “replayed”.`;
  ui.replayBanner.dataset.count = String(count);
  ui.replayBanner.hidden = false;
}

function onResync(): void {
  const at = formatTime(new Date());
  ui.resyncText.textContent =
    `At ${at} the hub could not replay everything missed while disconnected (its history did not cover the gap, ` +
    `or it restarted). Notifications from that gap are not shown here.`;
  ui.resyncBanner.hidden = false;
  const marker = document.createElement("li");
  marker.className = "feed-marker";
  marker.dataset.testid = "feed-resync-marker";
  marker.textContent = `Resync at ${at}: notifications before this line may be missing some.`;
  ui.feed.prepend(marker);
  ui.feedEmpty.hidden = true;
}

/** The retry line and the last close's retry cell, from `client.nextRetryAt`. */
function renderRetry(s: Session): void {
  const at = s.client?.nextRetryAt ?? null;
  const retrying = at !== null && (s.client?.state === "reconnecting" || s.client?.state === "connecting");
  if (retrying) {
    const inSeconds = Math.max(0, Math.ceil((at - Date.now()) / 1000));
    ui.nextRetry.textContent = `next attempt in ${inSeconds} s (${formatTime(new Date(at))})`;
    ui.nextRetry.dataset.at = String(at);
  }
  ui.nextRetry.hidden = !retrying;
  if (ui.lastClose.hidden) return;
  const willRetry = ui.closeRetry.dataset.willRetry === "true";
  const terminal = ui.closeRetry.dataset.terminal === "true";
  ui.closeRetry.textContent = !willRetry
    ? terminal
      ? "no: this close is final; sign in again to reconnect"
      : "no"
    : at !== null
      ? `yes, at ${formatTime(new Date(at))}`
      : "yes";
}

/** Once a second: the token's lifetime and the retry countdown. */
function tick(): void {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const claims = token ? readToken(token) : null;
  const left = claims ? secondsLeft(claims, Date.now()) : null;
  ui.lifetime.textContent = formatLifetime(left);
  ui.lifetime.dataset.level = lifetimeLevel(left);
  ui.expiredHint.hidden = lifetimeLevel(left) !== "expired";
  if (left !== null) ui.lifetime.dataset.seconds = String(Math.max(0, left));
  if (session) renderRetry(session);
}

setUpSignIn({ storageKey: TOKEN_KEY, start: (token) => void start(token), stop });
