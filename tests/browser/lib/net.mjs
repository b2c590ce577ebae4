// Loopback helpers: a TCP proxy that can cut the network, and a tiny static server for test pages.

import { once } from "node:events";
import { readFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A TCP proxy on a free loopback port to `127.0.0.1:targetPort`. `cut()` destroys every open
 * connection and refuses new ones (accepted, then destroyed at once) until `restore()`. Browsers'
 * offline emulation does not reliably close an open WebSocket; this does.
 */
export async function startProxy(targetPort) {
  const open = new Set();
  let refusing = false;
  const counts = { accepted: 0, refused: 0 };
  const server = net.createServer((client) => {
    if (refusing) {
      counts.refused++;
      client.resetAndDestroy();
      return;
    }
    counts.accepted++;
    const upstream = net.connect(targetPort, "127.0.0.1");
    open.add(client);
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = server.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    counts,
    get openConnections() {
      return open.size / 2;
    },
    /** Drops every connection (a TCP reset to both sides) and refuses new ones. */
    cut() {
      refusing = true;
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    restore() {
      refusing = false;
    },
    async close() {
      this.cut();
      server.close();
      await once(server, "close").catch(() => {});
    },
  };
}

const PAGES = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "pages");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8" };

/**
 * Serves tests/browser/pages/ on a free loopback port: another origin than the hub's, so its
 * pages import the client by the hub's absolute URL (the CORS path). No caching.
 */
export async function startStaticServer() {
  const server = http.createServer(async (req, res) => {
    const name = new URL(req.url, "http://x").pathname.replace(/^\/+/, "") || "client.html";
    const file = path.join(PAGES, path.normalize(name));
    if (!file.startsWith(PAGES + path.sep) || !TYPES[path.extname(file)]) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)], "cache-control": "no-store" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = server.address().port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close").catch(() => {});
    },
  };
}
