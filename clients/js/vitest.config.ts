import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      // The store example imports the package by name and the platform's stores by "@/".
      { find: "@huleedu/notification-hub-client/vue", replacement: here("./src/vue.ts") },
      { find: "@huleedu/notification-hub-client", replacement: here("./src/index.ts") },
      { find: /^@\//, replacement: here("./test/platform/") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    reporters: ["default", "./tools/summary-reporter.mjs"],
  },
});
