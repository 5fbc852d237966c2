/**
 * Language runtimes as packages (issue 20): the Node.js, Python, Ruby, Java and Go binaries themselves
 * and OpenSSL shipped with an application, each version read from the binary's own bytes in
 * bounded chunks. Naming and matching: README.md.
 */
import type { Extractor } from '../types.ts';
import { goToolchainExtractor } from './go/index.ts';
import { javaExtractor } from './java/index.ts';
import { nodeExtractor } from './node/index.ts';
import { opensslExtractor } from './openssl/index.ts';
import { pythonExtractor } from './python/index.ts';
import { rubyExtractor } from './ruby/index.ts';

export { goToolchainExtractor, javaExtractor, nodeExtractor, opensslExtractor, pythonExtractor, rubyExtractor };
export { isRuntimePackage, OPENSSL_ECOSYSTEM, OS_DIRS, RUNTIME_ECOSYSTEM, rubyRelease, rubyVersionOfText, runtimeOfPurl, runtimePackage, type RuntimeKind } from './package.ts';
export { CHUNK_BYTES, probeAll, probeFile, probeFirst, type Probe } from './probe.ts';

export const runtimeExtractors: readonly Extractor[] = [goToolchainExtractor, javaExtractor, nodeExtractor, opensslExtractor, pythonExtractor, rubyExtractor];
