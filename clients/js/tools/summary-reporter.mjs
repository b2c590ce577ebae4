// Adds one plain closing line, "vitest: N passed, N failed[, N skipped]", that CI can read
// whatever runner printed the rest.
function count(tasks, c) {
  for (const t of tasks) {
    if (t.type === "test") {
      const s = t.result?.state;
      if (t.mode === "skip" || t.mode === "todo") c.skipped++;
      else if (s === "pass") c.passed++;
      else if (s === "fail") c.failed++;
    } else {
      // A file that failed to load, or a suite whose hook threw: its tests never ran, so it
      // counts as a failure of its own.
      if (t.result?.errors?.length) c.failed++;
      if (t.tasks) count(t.tasks, c);
    }
  }
  return c;
}

export default class SummaryReporter {
  onFinished(files = [], errors = []) {
    const c = count(files, { passed: 0, failed: 0, skipped: 0 });
    c.failed += errors.length;
    console.log(`vitest: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}`);
  }
}
