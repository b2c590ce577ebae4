// A development server for the dashboard, standing in for the hub's Rust side until it exists:
// serves assets/dashboard/ at the URL layout the hub will use, under the Content-Security-Policy
// the hub will send, serves a browser build of the client at /client/hub-client.js, and passes
// everything else (/ws, /status, /api) to a running hub.
//
//   node tools/serve.mjs --hub http://127.0.0.1:8080 --client ../js/src/index.ts [--port 8090]
//
// The `Origin` header is dropped on the way to the hub (a request without one is allowed), so a
// hub without the own-origin rule accepts the dashboard's socket. Loopback only; not for production.

import { createServer, request } from "node:http";
import { connect } from "node:net";
import { readFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";
import { DEFAULT_OUT } from "./build.mjs";

const { values } = parseArgs({
  options: {
    hub: { type: "string", default: "http://127.0.0.1:8080" },
    client: { type: "string" },
    port: { type: "string", default: "8090" },
  },
});
const hub = new URL(values.hub);

export const CSP =
  "default-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'";
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml" };

/** The URL layout the hub serves (clients/dashboard/README.md). */
function dashboardFile(path) {
  if (path === "/dashboard/") return "index.html";
  if (path === "/dashboard/admin") return "admin.html";
  const name = path.slice("/dashboard/".length);
  return /^[a-z0-9-]+\.(js|css|svg)$/.test(name) ? name : null;
}

async function clientBuild() {
  if (!values.client) return null;
  const result = await esbuild.build({ entryPoints: [resolve(values.client)], bundle: true, format: "esm", write: false, target: "es2022" });
  return result.outputFiles[0].contents;
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path.startsWith("/dashboard/")) {
    const name = dashboardFile(path);
    const bytes = name && (await readFile(join(DEFAULT_OUT, name)).catch(() => null));
    if (!bytes) return res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": TYPES[extname(name)], "content-security-policy": CSP, "cache-control": "no-cache" });
    return res.end(bytes);
  }
  if (path === "/client/hub-client.js") {
    const bytes = await clientBuild().catch((e) => (console.error(e), null));
    if (!bytes) return res.writeHead(404).end("no client build");
    res.writeHead(200, { "content-type": TYPES[".js"], "cache-control": "no-cache" });
    return res.end(bytes);
  }
  const { origin, ...headers } = req.headers;
  const upstream = request({ host: hub.hostname, port: hub.port, method: req.method, path: req.url, headers }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", () => res.writeHead(502).end("hub unreachable"));
  req.pipe(upstream);
});

// WebSocket upgrades: the request as it came, less `Origin`, then bytes both ways.
server.on("upgrade", (req, socket, head) => {
  const upstream = connect(Number(hub.port), hub.hostname, () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() !== "origin") lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
    upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  const end = () => (socket.destroy(), upstream.destroy());
  upstream.on("error", end);
  socket.on("error", end);
});

server.listen(Number(values.port), "127.0.0.1", () => {
  console.log(`dashboard on http://127.0.0.1:${values.port}/dashboard/ (hub ${hub.origin})`);
});
