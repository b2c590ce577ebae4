// `npm run test:hub`: the Vue binding against the real hub binary (HUB_BIN). Kept out of
// `npm test` (whose include is test/**/*.test.ts), so the client's own tests need no Rust build.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/hub/**/*.test.mjs"],
    environment: "happy-dom",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default", "./tools/summary-reporter.mjs"],
  },
});
