import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // The hub serves the real client; the page tests stand a fake in its place.
    alias: { "/client/hub-client.js": fileURLToPath(new URL("./test/fake-hub-client.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
