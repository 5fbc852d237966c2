/**
 * Gemfile.lock parser (Bundler's lockfile; https://bundler.io/guides/gemfile_lock.html, grammar in
 * bundler/lib/bundler/lockfile_parser.rb). Pure: text in, specs out.
 * Source sections (GEM, GIT, PATH, PLUGIN SOURCE) hold `specs:` lines indented four spaces:
 * `name (version)` or `name (version-platform)`; six-space lines are their dependencies.
 * PLATFORMS, DEPENDENCIES, RUBY VERSION and BUNDLED WITH carry no installed gems and are skipped.
 */

export interface GemSpec {
  name: string;
  version: string;
  platform?: string;
  /** the section it came from: GEM, GIT, PATH, PLUGIN SOURCE */
  source: string;
  /** `remote:` of that section */
  remote?: string;
  line: number;
}

const SOURCES = new Set(['GEM', 'GIT', 'PATH', 'PLUGIN SOURCE']);
// Bundler's own spec-line pattern: the version never contains "-", so the rest is the platform
const SPEC = /^ {4}([^\s(]+) \(([^-)\s]+)(?:-([^)]+))?\)$/;

export function parseGemfileLock(text: string): { specs: GemSpec[]; problems: { line: number; message: string }[] } {
  const specs: GemSpec[] = [];
  const problems: { line: number; message: string }[] = [];
  let section = '';
  let remote: string | undefined;
  let inSpecs = false;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    if (!raw.startsWith(' ')) { section = raw.trim(); remote = undefined; inSpecs = false; return; }
    if (!SOURCES.has(section)) return;
    if (/^ {2}\S/.test(raw)) {
      const m = /^ {2}([a-z_]+):\s*(.*)$/.exec(raw);
      if (m?.[1] === 'remote') remote = m[2];
      inSpecs = m?.[1] === 'specs';
      return;
    }
    if (!inSpecs || /^ {6}/.test(raw)) return; // dependency lines
    const m = SPEC.exec(raw.trimEnd());
    if (!m) { problems.push({ line, message: `spec line is not "name (version[-platform])": ${JSON.stringify(raw.trim())}` }); return; }
    specs.push({ name: m[1], version: m[2], platform: m[3], source: section, remote, line });
  });
  return { specs, problems };
}
