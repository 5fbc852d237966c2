/** Alpine advisory formats: secdb. */
export {
  alpineSecdbFormat, createAlpineSecdbFormat, parseSecdb, parseSecfixItem, ALPINE_SECDB_DEFAULT_MODIFIED,
  type SecdbOptions, type SecfixItem,
} from './secdb/index.ts';
