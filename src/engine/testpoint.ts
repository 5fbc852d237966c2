/**
 * TEST ONLY: fault injection for the crash-recovery test (test/engine-crash.test.ts). With
 * `VIGIL_TEST_PAUSE_AT=<point>` in the environment, the engine writes `VIGIL_TEST_PAUSE_FILE` (if set)
 * when it reaches that point and then never returns, so the test can `kill -9` the process exactly
 * there. Without the variable (always, outside that test) `pauseAt` returns at once and does nothing.
 *
 * Points:
 * - `scan-before-record`: a scan collected and matched its inventory; recordScan not yet called.
 * - `rematch-in-transaction`: a rematch applied its changes, its transaction not yet committed.
 * - `rematch-before-marker`: a change set's rematch committed; the `rematched_change_set` marker not yet moved.
 */
import { writeFileSync } from 'node:fs';

export type PausePoint = 'scan-before-record' | 'rematch-in-transaction' | 'rematch-before-marker';

/** Never returns when `VIGIL_TEST_PAUSE_AT` names `point`; otherwise a no-op. */
export async function pauseAt(point: PausePoint): Promise<void> {
  if (process.env.VIGIL_TEST_PAUSE_AT !== point) return;
  const file = process.env.VIGIL_TEST_PAUSE_FILE;
  if (file) writeFileSync(file, `${process.pid} ${point}\n`);
  await new Promise<never>(() => undefined);
}
