//! Small DOM helpers shared by both pages. Text goes in through `textContent` only: nothing the
//! hub or a token carries is ever parsed as HTML.

/** The element with this id; a missing one is a bug in the page, reported at once. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** A new element with classes, attributes and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  options: { className?: string; text?: string; attrs?: Record<string, string> } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** Sets an element's text and, for tests, its raw value in `data-value`. */
export function setCount(node: HTMLElement, value: number, format: (n: number) => string = formatNumber): void {
  node.textContent = format(value);
  node.dataset.value = String(value);
}

const numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export function formatNumber(n: number): string {
  return numbers.format(n);
}

/** A clock time, with the date when it is not today. */
export function formatTime(date: Date, now = new Date()): string {
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay
    ? date.toLocaleTimeString()
    : `${date.toLocaleDateString()} ${date.toLocaleTimeString()}`;
}

/** One-shot timer that re-arms itself: the page's ticks, never a chained interval. */
export function every(ms: number, tick: () => void): () => void {
  let handle: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const run = () => {
    if (stopped) return;
    tick();
    handle = setTimeout(run, ms - (Date.now() % ms) || ms);
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(handle);
  };
}
