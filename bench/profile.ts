/**
 * Profiling for the benches: `profiled(suffix, f)` runs `f` under V8's CPU profiler when
 * BENCH_PROFILE=<file.cpuprofile> is set (a sample every 100 µs), or samples what it allocates when
 * BENCH_HEAP=<file.heapprofile> is set (every 4 KB, collected objects included: GC time is what a
 * section allocates), and writes <file>.<suffix>.cpuprofile / .heapprofile. Without either it just
 * runs `f`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export async function profiled<T>(suffix: string, f: () => Promise<T>): Promise<T> {
  const heap = process.env.BENCH_HEAP;
  const cpu = process.env.BENCH_PROFILE;
  if (!heap && !cpu) return f();
  const session = new Session();
  session.connect();
  try {
    if (heap) {
      await session.post('HeapProfiler.enable');
      // (these two V8 parameters are newer than @types/node's protocol types)
      await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
      try {
        return await f();
      } finally {
        const { profile } = await session.post('HeapProfiler.stopSampling');
        writeFileSync(heap.replace(/(\.heapprofile)?$/, `.${suffix}.heapprofile`), JSON.stringify(profile));
      }
    }
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    try {
      return await f();
    } finally {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(cpu!.replace(/(\.cpuprofile)?$/, `.${suffix}.cpuprofile`), JSON.stringify(profile));
    }
  } finally {
    session.disconnect();
  }
}
