/**
 * The `vigil` command's entry (bin/vigil.js runs it; dist/vigil.mjs once bundled). A command that
 * scans starts its scan thread first (engine/scan-thread.ts), so that the thread comes up while the
 * command's own modules load; then the command runs (main.ts).
 */
import { prestartFor } from '../engine/scan-thread.ts';

export async function main(argv: string[] = process.argv): Promise<void> {
  prestartFor(argv);
  const { main: run } = await import('./main.ts');
  await run(argv);
}
