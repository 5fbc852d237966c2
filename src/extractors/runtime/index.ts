/**
 * Language runtimes as packages (issue 20): the Node.js, Python, Ruby, Java and Go binaries themselves
 * and OpenSSL shipped with an application, each version read from the binary's own bytes in
 * bounded chunks. Naming and matching: README.md.
 */
import type { Extractor, FileInfo } from '../types.ts';
import { goToolchainExtractor } from './go/index.ts';
import { javaExtractor } from './java/index.ts';
import { nodeExtractor } from './node/index.ts';
import { isOpensslLibrary, opensslExtractor } from './openssl/index.ts';
import { pythonExtractor } from './python/index.ts';
import { rubyExtractor } from './ruby/index.ts';

export { goToolchainExtractor, javaExtractor, nodeExtractor, opensslExtractor, pythonExtractor, rubyExtractor };
export { isRuntimePackage, OPENSSL_ECOSYSTEM, OS_DIRS, RUNTIME_ECOSYSTEM, rubyRelease, rubyVersionOfText, runtimeOfPurl, runtimePackage, type RuntimeKind } from './package.ts';
export { CHUNK_BYTES, probeAll, probeFile, probeFirst, type Probe } from './probe.ts';

export const runtimeExtractors: readonly Extractor[] = [goToolchainExtractor, javaExtractor, nodeExtractor, opensslExtractor, pythonExtractor, rubyExtractor];

/**
 * The runtime files hosts read on demand (issue 20, host deep inspection: src/sources/ssh deep.ts,
 * the agent): what every runtime plugin wants by name — node, pythonX.Y and libpython, ruby and
 * libruby, bin/java, bin/go and their release/VERSION files, libssl/libcrypto — but not openssl's
 * "any executable or shared object ≥ 256 KiB outside the OS's directories", which on a host is every
 * large binary under /opt, /root, /home (a developer machine: 1 GB), each read to its end when it
 * holds no OpenSSL. Those executables still reach the openssl plugin when deep inspection transfers
 * them for the language extractors (Go and Rust build info want every executable, within that byte budget).
 */
export function hostRuntimeFile(path: string, info: FileInfo): boolean {
  return goToolchainExtractor.fileRequired(path, info) || javaExtractor.fileRequired(path, info) || nodeExtractor.fileRequired(path, info) || pythonExtractor.fileRequired(path, info) || rubyExtractor.fileRequired(path, info) || isOpensslLibrary(path, info);
}
