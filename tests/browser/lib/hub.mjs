// The hub binary as a test fixture: start it (embedded mode, a loopback port, settings through
// HUB__ variables, its log in a file), stop it by its pid (SIGTERM, SIGKILL after a timeout), mint
// tokens with `hub token`, publish, read /status, disconnect a user. Uses only Node's own modules,
// so clients/js's live Vue test imports it too.

import { spawn, execFile } from "node:child_process";
import { once } from "node:events";
import { accessSync, constants, createWriteStream, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository's root (tests/browser/lib/ is three levels down). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** Where failure artefacts, logs and screenshots go (gitignored with target/). */
export const ARTIFACTS = process.env.BROWSER_ARTIFACTS ?? path.join(REPO_ROOT, "target", "browser-artifacts");

/** A secret of at least 32 bytes: the hub refuses shorter ones off loopback, and tests stay honest. */
const SECRET = "browser-tests-secret-0123456789abcdef";

/** The hub binary named by HUB_BIN. Throws a clear message when it is unset or not executable. */
export function hubBin() {
  const bin = process.env.HUB_BIN;
  const how =
    "Build it and point HUB_BIN at it, from the repository root:\n" +
    "  cargo build --bin hub && HUB_BIN=$PWD/target/debug/hub npm --prefix tests/browser test";
  if (!bin) throw new Error(`HUB_BIN is not set: these tests run the real hub binary.\n${how}`);
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new Error(`HUB_BIN=${bin} is not an executable file.\n${how}`);
  }
  return path.resolve(bin);
}

/** A free loopback TCP port (bound and released; the caller binds it next). */
export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  srv.close();
  await once(srv, "close");
  return port;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; throws `message` (and the last value) after `timeout`. */
export async function waitFor(fn, { timeout = 10_000, interval = 50, message = "condition" } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${JSON.stringify(last)})`);
    await sleep(interval);
  }
}

/**
 * Starts a hub. `env` adds or overrides HUB__ settings. `name` names its log file in the
 * artefacts folder. The returned object restarts it on the same port (`restart()`), and stops it
 * (`stop()`); call `stop()` in an `after` hook, it is safe to call twice.
 */
export async function startHub({ name = "hub", env = {}, port } = {}) {
  const bin = hubBin();
  mkdirSync(ARTIFACTS, { recursive: true });
  // An empty working directory: the repository's Settings.toml must not leak into the tests.
  const cwd = mkdtempSync(path.join(os.tmpdir(), "hub-browser-"));
  const logPath = path.join(ARTIFACTS, `${name}.log`);
  const log = createWriteStream(logPath, { flags: "w" });
  const hubPort = port ?? (await freePort());
  const settings = {
    HUB__SERVER__HOST: "127.0.0.1",
    HUB__SERVER__PORT: String(hubPort),
    HUB__SERVER__WORKERS: "2",
    HUB__AUTH__JWT_SECRET: SECRET,
    HUB__SHUTDOWN__GRACE_PERIOD: "5s",
    HUB__SHUTDOWN__CLOSE_BATCH_INTERVAL: "10ms",
    HUB__WS__CLOSE_TIMEOUT: "1s",
    HUB__LOG__FORMAT: "pretty",
    HUB__LOG__FILTER: "info",
    ...env,
  };
  // Only our settings: a HUB__ variable from the caller's shell must not change the hub under test.
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("HUB__") && k !== "HUB_CONFIG" && k !== "RUST_LOG"));
  const procEnv = { ...baseEnv, ...settings, NO_COLOR: "1" };
  const url = `http://127.0.0.1:${hubPort}`;

  const hub = {
    port: hubPort,
    url,
    wsUrl: `ws://127.0.0.1:${hubPort}/ws`,
    logPath,
    proc: null,
    starts: 0,
    /** The hub's log so far (for failure messages). */
    logText() {
      try {
        return readFileSync(logPath, "utf8");
      } catch {
        return "";
      }
    },
    async start() {
      const n = ++hub.starts;
      log.write(`\n===== test harness: start #${n} on port ${hubPort} (${new Date().toISOString()}) =====\n`);
      const proc = spawn(bin, ["serve"], { cwd, env: procEnv, stdio: ["ignore", "pipe", "pipe"] });
      hub.proc = proc;
      running.add(proc);
      proc.stdout.pipe(log, { end: false });
      proc.stderr.pipe(log, { end: false });
      proc.exited = new Promise((resolve) => proc.once("exit", (code, signal) => (running.delete(proc), resolve({ code, signal }))));
      proc.exited.then(({ code, signal }) => log.write(`===== test harness: hub #${n} exited code=${code} signal=${signal} =====\n`));
      // Ready when /healthz answers; fail at once if the process dies first.
      const deadline = Date.now() + 15_000;
      let dead = null;
      proc.exited.then((e) => (dead = e));
      for (;;) {
        if (dead) throw new Error(`the hub exited during start-up (${JSON.stringify(dead)}); its log:\n${tail(hub.logText())}`);
        try {
          const r = await request("GET", `${url}/healthz`, { timeout: 1000 });
          if (r.status === 200) break;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) {
          await hub.stop();
          throw new Error(`the hub did not answer /healthz within 15 s; its log:\n${tail(hub.logText())}`);
        }
        await sleep(50);
      }
      return hub;
    },
    /** SIGTERM, then SIGKILL after `timeout` ms; resolves with how it exited. Idempotent. */
    async stop({ signal = "SIGTERM", timeout = 8_000 } = {}) {
      const proc = hub.proc;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc ? proc.exited : null;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), timeout);
      const how = await proc.exited;
      clearTimeout(timer);
      return how;
    },
    /** Stops the hub (SIGTERM) and starts a new process on the same port. */
    async restart() {
      const how = await hub.stop();
      await hub.start();
      return how;
    },
    /** Ends the log file too; for the last `after` hook. */
    async close() {
      await hub.stop();
      await new Promise((r) => log.end(r));
    },
    /** A token signed like the hub expects, minted by `hub token`. */
    async token(sub, { roles = [], ttl = "1h" } = {}) {
      const args = ["token", "--sub", sub, "--ttl", ttl, ...roles.flatMap((r) => ["--role", r])];
      const { stdout } = await run(bin, args, { cwd, env: procEnv });
      return stdout.trim();
    },
    async serviceToken() {
      return (hub._service ??= await hub.token("svc-browser-tests", { roles: ["service"] }));
    },
    async adminToken() {
      return (hub._admin ??= await hub.token("ops-browser-tests", { roles: ["admin"] }));
    },
    /** POST /api/v1/publish; returns the accepted id. */
    async publish(userId, event, data = {}, extra = {}) {
      const r = await request("POST", `${url}/api/v1/publish`, {
        headers: { authorization: `Bearer ${await hub.serviceToken()}` },
        body: { user_id: userId, event, data, ...extra },
      });
      if (r.status !== 202) throw new Error(`publish answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body.id;
    },
    /** GET /status with an admin token. */
    async status() {
      const r = await request("GET", `${url}/status`, { headers: { authorization: `Bearer ${await hub.adminToken()}` } });
      if (r.status !== 200) throw new Error(`/status answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    },
    /** Waits until /status counts `n` sockets (the hub answers 101 only once a socket has joined). */
    async waitSockets(n, timeout = 10_000) {
      let last;
      await waitFor(async () => (last = (await hub.status()).sockets) === n, { timeout, message: `/status sockets == ${n}` });
    },
    /** POST /api/v1/users/{id}/disconnect with an admin token. */
    async disconnectUser(userId) {
      const r = await request("POST", `${url}/api/v1/users/${encodeURIComponent(userId)}/disconnect`, {
        headers: { authorization: `Bearer ${await hub.adminToken()}` },
      });
      if (r.status !== 200) throw new Error(`disconnect answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    },
  };
  try {
    await hub.start();
  } catch (err) {
    // Never leave a hub behind: the caller has no handle to stop it yet.
    await hub.close();
    throw err;
  }
  return hub;
}

/**
 * One HTTP request with node:http, not the global fetch: under a DOM test environment (happy-dom)
 * the global fetch is the fake browser's, with CORS. Resolves with `{ status, body }` (JSON when
 * it parses).
 */
export function request(method, url, { headers = {}, body, timeout = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
    const req = http.request(url, { method, headers: { ...headers, ...(data ? { "content-type": "application/json", "content-length": data.length } : {}) }, timeout }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode, body: parsed });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: no answer in ${timeout} ms`)));
    req.on("error", reject);
    req.end(data);
  });
}

/** Hubs still running; killed if this process exits without its `after` hooks (a crash, Ctrl-C). */
const running = new Set();
process.once("exit", () => {
  for (const proc of running) proc.kill("SIGKILL");
});

/** The last lines of a log, for an error message. */
export function tail(text, lines = 60) {
  return text.split("\n").slice(-lines).join("\n");
}
