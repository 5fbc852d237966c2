/**
 * TEST ONLY: fault injection for the crash-recovery test (test/engine-crash.test.ts). With
 * `VIGIL_TEST_PAUSE_AT=<point>` in the environment, the engine prints one line to stderr,
 * `vigil-testpoint: paused at <point> (pid <pid>)`, when it reaches that point and goes no further,
 * so the test can `kill -9` the process exactly there. It writes no file. The pause is bounded: a
 * process nobody kills exits with code 70 after 10 minutes, still without running past the point.
 *
 * Not in the product: scripts/build.mjs defines `VIGIL_TESTPOINTS` as false for the bundle that
 * `vigil` runs, and esbuild drops the body below; the points exist only when the TypeScript sources
 * run (tsx), which is how the crash test starts its server (`VIGIL_FROM_SOURCE=1`). Without the
 * variable (always, outside that test) `pauseAt` returns at once and does nothing.
 *
 * Points:
 * - `scan-before-record`: a scan collected and matched its inventory; recordScan not yet called.
 * - `rematch-in-transaction`: a rematch applied its changes, its transaction not yet committed.
 * - `rematch-before-marker`: a change set's rematch committed; the `rematched_change_set` marker not yet moved.
 */

export type PausePoint = 'scan-before-record' | 'rematch-in-transaction' | 'rematch-before-marker';

/** The line the test waits for on the process's stderr. */
export const pausedLine = (point: PausePoint): string => `vigil-testpoint: paused at ${point}`;

/** false in the bundle (esbuild `define`, scripts/build.mjs); not defined when the sources run */
declare const VIGIL_TESTPOINTS: boolean | undefined;

/** Pauses for good (until killed, at most 10 minutes, then exits) when `VIGIL_TEST_PAUSE_AT` names `point`; otherwise a no-op. */
export async function pauseAt(point: PausePoint): Promise<void> {
  // folds to `if (false)` in the bundle, which esbuild drops with pauseHere itself
  if (typeof VIGIL_TESTPOINTS === 'undefined' || VIGIL_TESTPOINTS) await pauseHere(point);
}

async function pauseHere(point: PausePoint): Promise<void> {
  if (process.env.VIGIL_TEST_PAUSE_AT !== point) return;
  process.stderr.write(`${pausedLine(point)} (pid ${process.pid})\n`);
  await new Promise<never>(() => {
    setTimeout(() => process.exit(70), 10 * 60_000);
  });
}
