// The built files keep the promises the hub's Content-Security-Policy relies on:
// `default-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'`.

import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module of the build tooling, without types
import { buildFiles } from "../tools/build.mjs";

let files: Record<string, Buffer>;
const text = (name: string) => files[name]!.toString("utf8");

beforeAll(async () => {
  files = await buildFiles();
});

describe("the build", () => {
  it("makes the two pages, one module each, one stylesheet and the icon", () => {
    expect(Object.keys(files).sort()).toEqual(["admin.html", "admin.js", "dashboard.css", "favicon.svg", "feed.js", "index.html"]);
  });

  it("is the same bytes every time", async () => {
    const again = await buildFiles();
    for (const [name, bytes] of Object.entries(files)) expect(again[name]!.equals(bytes), name).toBe(true);
  });

  it("leaves the hub client external to the feed page, and out of the admin page", () => {
    expect(text("feed.js")).toContain('import("/client/hub-client.js")');
    // A string literal of the client's own code, which minification keeps: were the client
    // bundled into the page, it would be here.
    expect(readFileSync(new URL("../../../assets/client/hub-client.js", import.meta.url), "utf8")).toContain('"no pong"');
    expect(text("feed.js")).not.toContain('"no pong"');
    expect(text("admin.js")).not.toContain("hub-client");
  });

  it("needs no inline script or style, nothing from another origin, and no eval", () => {
    for (const page of ["index.html", "admin.html"]) {
      const html = text(page);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script has a src
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      expect(html).not.toMatch(/(src|href)="(?!\/dashboard\/|#)/); // same-origin URLs only
    }
    for (const script of ["feed.js", "admin.js"]) {
      expect(text(script)).not.toMatch(/\beval\(|new Function|innerHTML|insertAdjacentHTML|document\.write/);
      expect(text(script)).not.toMatch(/https?:\/\//);
    }
    expect(text("dashboard.css")).not.toMatch(/@import|url\(/);
  });

  it("stays small", () => {
    const total = Object.values(files).reduce((n, b) => n + b.length, 0);
    expect(total).toBeLessThan(64 * 1024);
  });
});
