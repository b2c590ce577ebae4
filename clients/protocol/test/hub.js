// The real hub binary for the live tests: started in embedded mode on a free loopback port,
// tokens minted with `hub token`, sockets through the `ws` package, stopped by its pid.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";

import { PACKAGE_DIR } from "./repo.js";

/** `HUB_BIN`, else ../../target/debug/hub, both relative to clients/protocol. */
export const HUB_BIN = resolve(PACKAGE_DIR, process.env.HUB_BIN || "../../target/debug/hub");

const SECRET = "protocol-conformance-test-secret-0123456789";

/** A free TCP port on 127.0.0.1 (the hub is told it, since port 0 would not tell us back). */
async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** The environment without the caller's hub settings, plus the test's own. */
function hubEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("HUB__") && k !== "HUB_CONFIG" && k !== "RUST_LOG") env[k] = v;
  }
  return { ...env, HUB__AUTH__JWT_SECRET: SECRET, HUB__LOG__FORMAT: "json", HUB__LOG__FILTER: "warn", ...extra };
}

export class Hub {
  /** Starts the hub; throws with its output if it does not become healthy. */
  static async start() {
    if (!existsSync(HUB_BIN)) {
      throw new Error(
        `the hub binary is missing: ${HUB_BIN} does not exist. Build it (cargo build --bin hub) ` +
          `or point HUB_BIN at one; the live protocol tests need the real hub.`,
      );
    }
    let lastFailure = "";
    // The port can be taken between finding it free and the hub binding it: try another.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freePort();
      const hub = new Hub(port);
      if (await hub.#waitHealthy()) return hub;
      lastFailure = `attempt ${attempt} on port ${port}: ${hub.exited ? `exited with ${JSON.stringify(hub.exited)}` : "not healthy in 20 s"}\n${hub.output}`;
      await hub.stop();
    }
    throw new Error(`the hub did not start (${HUB_BIN}):\n${lastFailure}`);
  }

  constructor(port) {
    this.port = port;
    this.cwd = mkdtempSync(join(tmpdir(), "hub-protocol-")); // no Settings.toml there
    this.base = `http://127.0.0.1:${port}`;
    this.wsBase = `ws://127.0.0.1:${port}`;
    this.output = "";
    this.exited = null;
    this.process = spawn(HUB_BIN, ["serve"], {
      cwd: this.cwd,
      env: hubEnv({ HUB__SERVER__HOST: "127.0.0.1", HUB__SERVER__PORT: String(port), HUB__SHUTDOWN__GRACE_PERIOD: "5s" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.pid = this.process.pid;
    const keep = (chunk) => {
      this.output = (this.output + chunk).slice(-20000);
    };
    this.process.stdout.on("data", keep);
    this.process.stderr.on("data", keep);
    this.exitedPromise = new Promise((ok) =>
      this.process.on("exit", (code, signal) => {
        this.exited = { code, signal };
        ok(this.exited);
      }),
    );
    // A test runner that dies must not leave the hub behind.
    this.onExit = () => this.process.exitCode === null && this.exited === null && process.kill(this.pid, "SIGKILL");
    process.on("exit", this.onExit);
  }

  async #waitHealthy() {
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline && !this.exited) {
      try {
        const res = await fetch(`${this.base}/healthz`);
        if (res.status === 200) return true;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    return false;
  }

  /** SIGTERM to the hub's pid, then SIGKILL after `graceMs`; resolves with how it exited. */
  async stop(graceMs = 8000) {
    if (!this.exited) {
      process.kill(this.pid, "SIGTERM");
      const timer = setTimeout(() => !this.exited && process.kill(this.pid, "SIGKILL"), graceMs);
      await this.exitedPromise;
      clearTimeout(timer);
    }
    process.off("exit", this.onExit);
    rmSync(this.cwd, { recursive: true, force: true });
    return this.exited;
  }

  /** `hub token --sub … [--role …] [--ttl …]` with the hub's secret. */
  token(sub, { roles = [], ttl } = {}) {
    const args = ["token", "--sub", sub, ...roles.flatMap((r) => ["--role", r]), ...(ttl ? ["--ttl", ttl] : [])];
    return execFileSync(HUB_BIN, args, { cwd: this.cwd, env: hubEnv(), encoding: "utf8" }).trim();
  }

  get serviceToken() {
    return (this._service ??= this.token("svc-protocol-test", { roles: ["service"] }));
  }

  /** POST /api/v1/publish; returns the 202 body `{id, duplicate}`. */
  async publish(body) {
    const res = await fetch(`${this.base}/api/v1/publish`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.serviceToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${text}`);
    return JSON.parse(text);
  }

  /** POST /api/v1/users/{user}/disconnect with an admin token. */
  async disconnect(user) {
    const res = await fetch(`${this.base}/api/v1/users/${encodeURIComponent(user)}/disconnect`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.token("admin-protocol-test", { roles: ["admin"] })}` },
    });
    if (res.status !== 200) throw new Error(`disconnect answered ${res.status}: ${await res.text()}`);
    return res.json();
  }

  /** `ws://…/ws?…` (or `/ws/`) with the given query parameters. */
  url(query = {}, path = "/ws") {
    const q = new URLSearchParams(query).toString();
    return `${this.wsBase}${path}${q ? `?${q}` : ""}`;
  }
}

/**
 * A WebSocket to the hub that keeps every message it gets (for validation) in a queue the
 * test takes from in order, or by predicate.
 */
export class Socket {
  /** Every message any socket received: `{ label, text, binary }`. */
  static received = [];

  /**
   * Opens a socket. Resolves with it once open; rejects with `{ status, headers, body }` when the
   * hub refuses the handshake.
   */
  static open(url, { headers = {}, label = url } = {}) {
    return new Promise((ok, fail) => {
      const ws = new WebSocket(url, { headers, handshakeTimeout: 5000 });
      const socket = new Socket(ws, label);
      ws.once("open", () => ok(socket));
      ws.once("unexpected-response", (req, res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (body += c));
        res.on("end", () => {
          req.destroy();
          fail(Object.assign(new Error(`handshake refused with ${res.statusCode}`), { status: res.statusCode, headers: res.headers, body }));
        });
      });
      ws.once("error", fail);
    });
  }

  constructor(ws, label) {
    this.ws = ws;
    this.label = label;
    this.queue = [];
    this.waiters = [];
    this.closed = new Promise((ok) => ws.on("close", (code, reason) => ok({ code, reason: reason.toString("utf8") })));
    ws.on("message", (data, binary) => {
      const entry = { label, text: binary ? null : data.toString("utf8"), binary };
      Socket.received.push(entry);
      let frame;
      try {
        frame = binary ? { binary: true } : JSON.parse(entry.text);
      } catch {
        frame = { unparseable: entry.text };
      }
      this.queue.push(frame);
      this.#wake();
    });
    ws.on("close", () => this.#wake());
    ws.on("error", () => {}); // surfaced through `closed` and timeouts
  }

  #wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first queued frame that matches (the next one by default), waiting up to `ms`. */
  async take(match = () => true, ms = 5000, what = "a frame") {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.queue.findIndex(match);
      if (i >= 0) return this.queue.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`${this.label}: no ${what} within ${ms} ms (queued: ${JSON.stringify(this.queue)}, state ${this.ws.readyState})`);
      }
      await new Promise((ok) => {
        const t = setTimeout(ok, left);
        this.waiters.push(() => {
          clearTimeout(t);
          ok();
        });
      });
    }
  }

  next(ms) {
    return this.take(undefined, ms);
  }

  ofType(type, ms) {
    return this.take((f) => f.type === type, ms, `${type} frame`);
  }

  send(frame) {
    this.ws.send(typeof frame === "string" || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** Sends a ping and waits for its pong: the connection actor answers only once it has joined. */
  async joined() {
    this.send({ type: "ping" });
    return this.ofType("pong");
  }

  /** Waits for the close; `{ code, reason }`. */
  async closeFrame(ms = 5000) {
    let timer;
    const timeout = new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${this.label}: not closed within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}
