/**
 * runtime/ruby: the MRI (CRuby) interpreter — a statically linked `ruby` (rbenv's and ruby-build's
 * default), or the shared library a `--enable-shared` build's launcher links (official ruby
 * images' `/usr/local/lib/libruby.so.3.2.2`, Debian's `libruby-3.1.so.3.1.2`) — its version read
 * from its own bytes: the RUBY_DESCRIPTION literal `ruby -v` prints,
 * "ruby 3.1.2p20 (2022-04-12 revision 4491bb740a) [x86_64-linux-gnu]".
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { baseOf, rubyRelease, runtimePackage } from '../package.ts';
import { probeFile, type Probe } from '../probe.ts';

const NAME = 'runtime/ruby';
/**
 * ruby, ruby.exe, ruby3.1 (Debian); libruby.so.3.2.2, libruby.so.3.2, libruby-3.1.so.3.1.2 (Debian),
 * libruby1.9.1.so.1.9.1 (old Debian), libruby.3.2.dylib; x64-msvcrt-ruby270.dll, x64-ucrt-ruby320.dll.
 * Not libruby-static.a: the archive a static build installs beside its `ruby`, which is read instead.
 */
const FILE = /^(?:ruby(?:\d+\.\d+)?(?:\.exe)?|libruby(?:-?\d+\.\d+(?:\.\d+)?)?(?:\.so(?:\.\d+)*|(?:\.\d+)*\.dylib)|(?:[a-z0-9_]+-)?(?:msvcrt|ucrt)-ruby\d+\.dll)$/;
/** rbenv's and rvm's shims and wrappers named `ruby` are scripts of a few hundred bytes. */
const MIN_BYTES = 4 * 1024;

/**
 * RUBY_DESCRIPTION (version.c): "ruby <RUBY_VERSION>[p<PATCHLEVEL>|previewN|rcN|dev] (<date>[
 * revision <rev>| <branch> <rev>])[ +YJIT…] [<platform>]" since 1.9 (no revision when built without
 * one); 1.8.7 writes "ruby 1.8.7 (<date> patchlevel 374) [<platform>]". The byte before "ruby" must not
 * be a letter or digit: not truffleruby's "like ruby 3.2.2, …", jruby's "jruby 9.4.5.0 (3.1.4) …",
 * mruby's "mruby 3.2.0 (2023-02-24)" (which have no " [platform]" either).
 * Groups: 1 X.Y.Z, 2 patchlevel after "p", 3 pre-release, 4 patchlevel of the 1.8 form.
 */
export const RUBY_DESCRIPTION: Probe = {
  anchor: 'ruby ',
  before: 1,
  after: 160,
  re: /^(?:[^A-Za-z0-9_])?ruby (\d+\.\d+\.\d+)(?:p(\d+)|(preview\d+|rc\d+|dev))? \(\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\dZ)?(?:[^)\x00]{0,48}? patchlevel (\d+)| [A-Za-z_][\w.-]{0,40} [0-9a-f]{4,40})?\) (?:\+\w+(?: \w+)? )?\[/,
};

export const rubyExtractor: Extractor = {
  name: NAME,
  version: 1,
  // the name first: a directory walk reads the size with a stat only when asked (sources/dir)
  fileRequired: named({ prefixes: ['ruby', 'libruby'], extensions: ['dll'] }, (path, info) => FILE.test(baseOf(path)) && info.size >= MIN_BYTES),
  async extract(file: ScanFile, _ctx: ExtractContext): Promise<Package[]> {
    let m: RegExpExecArray | undefined;
    await probeFile(file, RUBY_DESCRIPTION, (hit) => {
      m = hit;
      return true;
    });
    // a shared build's launcher carries no description (its libruby does); scripts and look-alikes neither
    if (!m) return [];
    return [runtimePackage('ruby', rubyRelease(m[1], m[2] ?? m[4], m[3]), file.info.path, NAME)];
  },
};

/** Whether a file's base name is one this plugin reads. */
export const isRubyFileName = (base: string): boolean => FILE.test(base);
