//! Notification ids, `<ms>-<seq>`, compared as pairs of integers (never as strings).

const ID = /^\d+-\d+$/;

/** True for a well-formed notification id. */
export const isId = (id: unknown): id is string => typeof id === "string" && ID.test(id);

/** Compares two decimal integers of any length. */
function compareInts(a: string, b: string): number {
  a = a.replace(/^0+(?=\d)/, "");
  b = b.replace(/^0+(?=\d)/, "");
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Negative, zero or positive as id `a` is before, equal to or after id `b` ("9-0" < "10-0"). */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-") as [string, string];
  const [bm, bs] = b.split("-") as [string, string];
  return compareInts(am, bm) || compareInts(as, bs);
}
