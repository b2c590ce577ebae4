//! The admin page (`/dashboard/admin`): reads `GET /status` with a pasted admin token every poll
//! period while the page is visible, and shows the counts, the cluster's instances, a chart of
//! the last minutes and whether the figures are stale. It never loads the hub client: on a
//! separate admin listener `/client/hub-client.js` may not exist.

import * as chart from "./chart.js";
import { byId, el, every, formatNumber, setCount } from "./dom.js";
import { describeFailure, failureOfStatus, formatAge, isStale, POLL_MS, type Failure, type PollRecord } from "./poll.js";
import { formatUptime, toStatusView, type StatusView } from "./status.js";
import { setUpSignIn } from "./signin.js";

/** The admin token's place: this tab's session storage, apart from the feed page's token. */
const TOKEN_KEY = "hub.dashboard.adminToken";
/** A fetch that has not answered by then counts as unreachable. */
const FETCH_TIMEOUT_MS = 2 * POLL_MS;

const ui = {
  instanceId: byId("instance-id"),
  lastUpdated: byId("last-updated"),
  stale: byId("stale"),
  staleReason: byId("stale-reason"),
  figures: byId("figures"),
  cluster: byId("cluster"),
  clusterError: byId("cluster-error"),
  clusterTable: byId("cluster-table-wrap"),
  instanceRows: byId("instance-rows"),
  kafka: byId("kafka"),
  kafkaSummary: byId("kafka-summary"),
  topicRows: byId("topic-rows"),
  socketMeter: byId<HTMLMeterElement>("socket-meter"),
};

/** The polling session of a signed-in tab. */
interface Poller {
  token: string;
  record: PollRecord;
  history: chart.Sample[];
  timer: ReturnType<typeof setTimeout> | undefined;
  inFlight: AbortController | null;
  stopTicks: () => void;
}

let poller: Poller | null = null;

document.addEventListener("visibilitychange", () => {
  if (!poller) return;
  if (document.visibilityState === "hidden") {
    clearTimeout(poller.timer);
    poller.timer = undefined;
  } else if (!poller.inFlight) {
    void poll(poller);
  }
});

function start(token: string): void {
  stop();
  const p: Poller = {
    token,
    record: { lastSuccessAt: null, lastFailure: null },
    history: [],
    timer: undefined,
    inFlight: null,
    stopTicks: () => {},
  };
  poller = p;
  p.stopTicks = every(1000, () => renderFreshness(p));
  void poll(p);
}

function stop(): void {
  if (!poller) return;
  clearTimeout(poller.timer);
  poller.inFlight?.abort();
  poller.stopTicks();
  poller = null;
  ui.figures.hidden = true;
  ui.instanceId.textContent = "…";
  ui.lastUpdated.textContent = "Waiting for the first answer…";
  ui.stale.hidden = true;
  ui.instanceRows.replaceChildren();
  ui.topicRows.replaceChildren();
}

/** One fetch of `/status`; the next is armed when it settles, if the page is still visible. */
async function poll(p: Poller): Promise<void> {
  clearTimeout(p.timer);
  const controller = new AbortController();
  p.inFlight = controller;
  const timeout = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
  let failure: Failure | null = null;
  let view: StatusView | null = null;
  try {
    const response = await fetch("/status", {
      headers: { Authorization: `Bearer ${p.token}`, Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
      signal: controller.signal,
    });
    if (!response.ok) failure = failureOfStatus(response.status);
    else {
      try {
        view = toStatusView(await response.json());
      } catch {
        failure = { kind: "invalid" };
      }
    }
  } catch {
    failure = { kind: "unreachable" };
  } finally {
    clearTimeout(timeout);
  }
  if (poller !== p) return; // signed out meanwhile
  p.inFlight = null;
  const now = Date.now();
  p.record = { lastSuccessAt: view ? now : p.record.lastSuccessAt, lastFailure: failure };
  if (view) {
    p.history = chart.addSample(p.history, {
      t: now,
      instanceId: view.instanceId,
      uptimeSeconds: view.uptimeSeconds,
      delivered: view.delivered,
      sockets: view.sockets,
    });
    render(view);
    renderCharts(p.history, now);
  }
  renderFreshness(p);
  if (document.visibilityState !== "hidden") p.timer = setTimeout(() => void poll(p), POLL_MS);
}

function renderFreshness(p: Poller): void {
  const now = Date.now();
  const stale = isStale(p.record, now);
  ui.stale.hidden = !stale;
  ui.stale.dataset.stale = String(stale);
  ui.staleReason.textContent = p.record.lastFailure
    ? describeFailure(p.record.lastFailure)
    : `no answer for ${formatAge(now - (p.record.lastSuccessAt ?? now)).replace(" ago", "")}`;
  if (p.record.lastSuccessAt !== null) ui.lastUpdated.textContent = `Updated ${formatAge(now - p.record.lastSuccessAt)}`;
  else if (p.record.lastFailure) ui.lastUpdated.textContent = "No answer yet.";
}

function count(id: string, value: number): void {
  setCount(byId(id), value);
}

function render(v: StatusView): void {
  ui.figures.hidden = false;
  ui.instanceId.textContent = v.instanceId;
  byId("mode").textContent = v.mode;
  byId("draining").textContent = v.draining ? "yes: shutting down" : "no";
  byId("draining").dataset.value = String(v.draining);
  byId("version").textContent = v.version;
  byId("uptime").textContent = formatUptime(v.uptimeSeconds);
  const kafkaState = byId("kafka-state");
  kafkaState.dataset.value = v.kafka.state;
  kafkaState.textContent =
    v.kafka.state === "disabled" ? "off" : `${v.kafka.state} (${v.kafka.brokersUp} of ${v.kafka.brokersKnown} brokers up)`;

  count("count-sockets", v.sockets);
  count("count-socket-cap", v.socketCap);
  count("count-unique-users", v.uniqueUsers);
  ui.socketMeter.value = v.socketCap > 0 ? Math.min(1, v.sockets / v.socketCap) : 0;
  count("count-actors-connection", v.actors.connection);
  count("count-actors-user_session", v.actors.userSession);
  count("count-actors-registry", v.actors.registry);
  count("count-actors-topic_consumer", v.actors.topicConsumer);
  count("count-published", v.published);
  count("count-delivered", v.delivered);
  count("count-dropped-duplicate", v.dropped.duplicate);
  count("count-dropped-user_offline", v.dropped.userOffline);
  count("count-dropped-slow_client", v.dropped.slowClient);

  renderCluster(v);
  renderKafka(v);
}

function numberCell(value: number, testid: string): HTMLTableCellElement {
  const cell = el(document, "td", { className: "num", attrs: { "data-testid": testid } });
  setCount(cell, value);
  return cell;
}

function renderCluster(v: StatusView): void {
  const c = v.cluster;
  ui.cluster.hidden = c.kind === "embedded";
  ui.clusterError.hidden = c.kind !== "error";
  ui.clusterTable.hidden = c.kind !== "clustered";
  if (c.kind === "error") ui.clusterError.textContent = `The cluster view is unavailable: ${c.message}`;
  if (c.kind !== "clustered") return ui.instanceRows.replaceChildren();
  ui.instanceRows.replaceChildren(
    ...c.instances.map((i) => {
      const name = el(document, "th", { text: i.instanceId, attrs: { scope: "row", "data-testid": "instance-id" } });
      if (i.self) name.append(" ", el(document, "span", { className: "badge", text: "this one" }));
      return el(
        document,
        "tr",
        { attrs: { "data-testid": "instance-row", "data-instance-id": i.instanceId } },
        name,
        el(document, "td", { text: i.version ?? "?" }),
        el(document, "td", { text: i.uptimeSeconds === null ? "?" : formatUptime(i.uptimeSeconds) }),
        numberCell(i.sockets, "instance-sockets"),
        numberCell(i.userSessions, "instance-user-sessions"),
        numberCell(i.published, "instance-published"),
        numberCell(i.delivered, "instance-delivered"),
      );
    }),
  );
  count("total-instances", c.totals.instances);
  count("total-sockets", c.totals.sockets);
  count("total-user-sessions", c.totals.userSessions);
  count("total-published", c.totals.published);
  count("total-delivered", c.totals.delivered);
}

function renderKafka(v: StatusView): void {
  const k = v.kafka;
  ui.kafka.hidden = k.state === "disabled";
  if (k.state === "disabled") return ui.topicRows.replaceChildren();
  ui.kafkaSummary.textContent = `Consumer ${k.state}; ${k.brokersUp} of ${k.brokersKnown} brokers up; lag ${formatNumber(k.totalLag)} messages over the partitions assigned here.`;
  ui.topicRows.replaceChildren(
    ...k.topics.map((t) =>
      el(
        document,
        "tr",
        { attrs: { "data-testid": "topic-row", "data-topic": t.topic } },
        el(document, "th", { text: t.topic, attrs: { scope: "row" } }),
        ...[t.consumed, t.delivered, t.duplicates, t.malformed, t.stale, t.held, t.deadLettered, t.partitions].map((n) =>
          numberCell(n, "topic-count"),
        ),
      ),
    ),
  );
}

function renderCharts(history: chart.Sample[], now: number): void {
  const span = chart.timeSpan(history, now);
  drawChart("chart-delivered", "Delivered per second", chart.deliveredRate(history), span);
  drawChart("chart-sockets", "Sockets", chart.socketSeries(history), span);
}

function drawChart(prefix: string, label: string, points: chart.Point[], span: { from: number; to: number }): void {
  const yMax = chart.niceCeiling(chart.peak(points));
  const current = chart.latest(points);
  byId(`${prefix}-path`).setAttribute("d", chart.chartPath(points, { ...span, yMax, width: 300, height: 100, maxGapMs: 2.5 * POLL_MS }));
  byId(`${prefix}-max`).textContent = formatNumber(yMax);
  byId(`${prefix}-from`).textContent = chart.spanLabel(span);
  byId(`${prefix}-now`).textContent = current === null ? "" : formatNumber(current);
  byId(`${prefix}-svg`).setAttribute(
    "aria-label",
    current === null
      ? `${label}: no data yet`
      : `${label} over the last ${chart.spanLabel(span).replace(" ago", "")}: now ${formatNumber(current)}, peak ${formatNumber(chart.peak(points))}`,
  );
}

setUpSignIn({ storageKey: TOKEN_KEY, requiredRole: "admin", start, stop });
