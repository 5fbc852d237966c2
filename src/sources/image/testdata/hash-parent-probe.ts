/**
 * hash-thread.test.ts's scan thread: LayerHasher asked in a worker whose starter hashes
 * (workerData parentHashes); posts what it got as one `probe` message. Not part of Vigil.
 */
import { open } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { LayerHasher } from '../hash-thread.ts';

const { path } = workerData as { path: string };
const fh = await open(path, 'r');
const size = (await fh.stat()).size;
const hasher = new LayerHasher();
const why = (e: Error) => e.message;
const digests = await Promise.all([[0, size, 'sha256'], [1000, 2 * 1024 * 1024 + 7, 'sha512'], [size - 10, 10, 'sha256'], [5, 0, 'sha256']].map(([o, n, a]) => hasher.hash(fh.fd, o as number, n as number, a as string).hex));
const short = await hasher.hash(fh.fd, size - 10, 20, 'sha256').hex.catch(why);
const after = await hasher.hash(fh.fd, 0, 4, 'sha256').hex;
const b = hasher.hash(fh.fd, 0, size, 'sha256');
const d = hasher.hash(fh.fd, 0, size, 'sha256');
d.cancel();
const l = hasher.hash(fh.fd, 0, 4, 'sha256');
const [before, dropped, later] = await Promise.all([b.hex, d.hex.catch(why), l.hex]);
const p = hasher.hash(fh.fd, 0, size, 'sha256').hex.catch(why);
await hasher.close();
const pending = await p;
await fh.close();
parentPort!.postMessage({ type: 'probe', result: { digests, short, after, before, dropped, later, pending, closedFd: true } });
