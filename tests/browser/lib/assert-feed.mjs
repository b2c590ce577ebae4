// Checks on what a page was given: exact ids in order, no duplicates.

import assert from "node:assert/strict";

/** Asserts that `got` (notification events) carries exactly `expected` ids, in that order, once each. */
export function assertExactly(got, expected, label = "notifications") {
  const ids = got.map((n) => n.id);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(dupes, [], `${label}: duplicates ${JSON.stringify(dupes)}`);
  assert.deepEqual(ids, expected, `${label}: every published id once, in publish order`);
}
