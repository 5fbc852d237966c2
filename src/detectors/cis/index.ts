/** CIS benchmark assessments (issue 18): the format, the loader and the evaluator. */
export * from './schema.ts';
export { evaluateBenchmark, type EvaluateOptions, type LiveFacts } from './evaluate.ts';
export { benchmarkById, benchmarkFor, benchmarksDir, loadBenchmarks, parseBenchmark } from './loader.ts';
export { cisContentFilter } from './content.ts';
