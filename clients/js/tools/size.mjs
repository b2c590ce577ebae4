// npm run size: the core (the createHubClient entry and all it imports, no Vue binding),
// minified and gzipped, must stay within 6 KB.
import { gzipSync } from "node:zlib";
import { browserBundle } from "./bundle.mjs";

const LIMIT = 6144;
const min = await browserBundle();
const gz = gzipSync(min, { level: 9 }).length;
console.log(`core: ${min.length} bytes minified, ${gz} bytes gzipped (limit ${LIMIT})`);
if (gz > LIMIT) {
  console.error(`size budget exceeded by ${gz - LIMIT} bytes`);
  process.exit(1);
}
