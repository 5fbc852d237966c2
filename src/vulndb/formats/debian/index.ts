/** Debian advisory formats: the tracker's DSA/DLA lists and its JSON export, plus the release table. */
export { debianDsaListFormat, parseDsaList, DSA_LIST_STATES } from './dsa-list/index.ts';
export {
  debianTrackerJsonFormat, createDebianTrackerJsonFormat, parseTrackerJson, DEBIAN_TRACKER_JSON_DEFAULT_MODIFIED,
  type TrackerJsonOptions,
} from './tracker-json/index.ts';
export {
  DEBIAN_RELEASES, DEBIAN_UNNUMBERED_SUITES, debianReleaseNumber, debianCodename, debianEcosystem, debianVersionProblem,
} from './releases.ts';
