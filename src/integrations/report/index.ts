/**
 * Output formats for `vigil scan`: pure renderings of a ScanResult (src/model/scan.ts).
 * The SBOM formats (CycloneDX, SPDX) live in ../sbom.
 */
export { renderTable, type TableOptions } from './table.ts';
export { renderJson, renderJsonChunks } from './json.ts';
export { renderSarif } from './sarif.ts';
export { renderCsv, csvField, CSV_COLUMNS, type CsvOptions } from './csv.ts';
export { canonicalize } from './common.ts';
