/**
 * Installed gem specifications (`specifications/*.gemspec`, written by RubyGems as Ruby source:
 * `Gem::Specification.new do |s| s.name = "rack".freeze; s.version = "2.2.22" …`). Ruby is not
 * evaluated: the name and version assignments are read with a pattern, which covers generated
 * stubs and the usual hand-written forms (`spec.name = 'x'`). Pure: text in, name/version out.
 * Reference: https://guides.rubygems.org/specification-reference/
 */

const ASSIGN = (field: string): RegExp => new RegExp(`^\\s*\\w+\\.${field}\\s*=\\s*(?:"([^"]+)"|'([^']+)'|%q[<{(\\[]([^>})\\]]+)[>})\\]])(?:\\.freeze)?\\s*(?:#.*)?$`, 'm');

export function parseGemspec(text: string): { name: string; version: string } | { problem: string } {
  if (!/Gem::Specification\.new/.test(text)) return { problem: 'no Gem::Specification.new block' };
  const n = ASSIGN('name').exec(text);
  // generated specs write `s.version = "1.0"`; some write Gem::Version.new("1.0")
  const v = ASSIGN('version').exec(text) ?? /^\s*\w+\.version\s*=\s*Gem::Version\.new\(\s*["']([^"']+)["']\s*\)/m.exec(text);
  const name = n?.[1] ?? n?.[2] ?? n?.[3];
  const version = v?.[1] ?? v?.[2] ?? v?.[3];
  if (!name) return { problem: 'no literal `.name = "…"` assignment' };
  if (!version) return { problem: `no literal \`.version = "…"\` assignment for gem ${JSON.stringify(name)}` };
  return { name, version };
}
