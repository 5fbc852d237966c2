/**
 * SBOM formats: CycloneDX 1.6 (with VEX) and SPDX 2.3 JSON writers over a ScanResult, and a
 * reader for users' CycloneDX 1.4–1.6 and SPDX 2.3 JSON SBOMs.
 */
export { toCycloneDx, renderCycloneDx, type CycloneDxOptions } from './cyclonedx.ts';
export { toSpdx, renderSpdx, spdxNamespace } from './spdx.ts';
export { readSbom, type SbomInventory, type ReadSbomOptions } from './read.ts';
export { purlToPackage, distroEcosystem, parseDistroQualifier, type DistroHint, type PurlPackage } from './ecosystem.ts';
