/**
 * Bounded pagination loops for tests: a listing whose cursor comes back (or never ends) fails the
 * test at once instead of spinning at 100% CPU until the runner's timeout.
 */

/** Call with each page's next cursor: throws when a cursor repeats or after `maxPages` pages. */
export function pageGuard(what: string, maxPages = 1000): (cursor: unknown) => void {
  const seen = new Set<string>();
  let pages = 0;
  return (cursor) => {
    if (++pages > maxPages) throw new Error(`${what}: more than ${maxPages} pages: the listing does not end`);
    if (cursor === null || cursor === undefined) return;
    const k = JSON.stringify(cursor);
    if (seen.has(k)) throw new Error(`${what}: cursor ${k} came back: the listing would loop forever`);
    seen.add(k);
  };
}
