/**
 * Validators for the published JSON schemas Vigil writes and reads: SARIF 2.1.0, SPDX 2.3,
 * CycloneDX 1.4–1.6, Adaptive Cards 1.4, and the schemas derived from published models for OCSF 1.8.0
 * Vulnerability Finding and ASFF (AwsSecurityFinding). See README.md for where each comes from and
 * how it is compiled.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; under NodeNext its type is the module namespace.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const here = new URL('./', import.meta.url);
const require = createRequire(import.meta.url);

function readJson(path: string | URL): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/**
 * A schema with `uniqueItems` replaced by the `vigilUniqueItems` keyword. ajv checks uniqueItems
 * on arrays of objects by comparing every pair (a 10,000-component SBOM took tens of seconds);
 * vigilUniqueItems gives the same answer in one pass over canonical encodings of the items.
 */
function readSchemaFast(path: string | URL): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8').replace(/"uniqueItems"(\s*):(\s*)true/g, '"vigilUniqueItems"$1:$2true')) as Record<string, unknown>;
}

/** JSON with object keys sorted, so that deep-equal values encode alike (data depth is bounded by the readers). */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

function addUniqueItems(ajv: Ajv): void {
  ajv.addKeyword({
    keyword: 'vigilUniqueItems',
    type: 'array',
    schemaType: 'boolean',
    errors: false,
    validate: (on: boolean, data: unknown[]) => {
      if (!on) return true;
      const seen = new Set<string>();
      for (const x of data) {
        const k = canonical(x);
        if (seen.has(k)) return false;
        seen.add(k);
      }
      return true;
    },
  });
}

/** The directory holding @cyclonedx/cyclonedx-library's copies of the official CycloneDX schemas. */
function cyclonedxSchemaDir(): string {
  const pkg = require.resolve('@cyclonedx/cyclonedx-library/package.json');
  return pkg.replace(/package\.json$/, 'res/schema/');
}

export type CycloneDxVersion = '1.4' | '1.5' | '1.6';

/** One schema violation, phrased for an error message: `/components/3/purl: must be string`. */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined, max = 3): string {
  if (!errors?.length) return 'does not match the schema';
  return errors
    .slice(0, max)
    .map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`)
    .join('; ');
}

/**
 * Compiled validators. Compiling the CycloneDX schema takes a fraction of a second, so callers
 * that validate many documents should create one set and keep it; each function is immutable.
 */
export interface SchemaValidators {
  sarif(): ValidateFunction;
  spdx23(): ValidateFunction;
  cyclonedx(version: CycloneDxVersion): ValidateFunction;
  /** OCSF 1.8.0 Vulnerability Finding (class_uid 2002), derived from the OCSF schema (README.md) */
  ocsfVulnerabilityFinding(): ValidateFunction;
  /** ASFF `AwsSecurityFinding`, derived from botocore's Security Hub service model (README.md) */
  asffFinding(): ValidateFunction;
  /** Adaptive Card 1.4 (the card itself, `attachments[].content` of a Teams message) */
  adaptiveCard(): ValidateFunction;
}

/** A draft-04/06 schema compiled as draft-07: `id` renamed to `$id` in memory (the file stays as published). */
function compileAsDraft07(file: string): ValidateFunction {
  const schema = readJson(new URL(file, here));
  const { id, $schema: _drop, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(id === undefined ? rest : { ...rest, $id: String(id) });
}

/** Creates a set of lazily compiled validators (nothing is compiled until first use). */
export function createSchemaValidators(): SchemaValidators {
  let sarif: ValidateFunction | undefined;
  let spdx: ValidateFunction | undefined;
  const cdx = new Map<CycloneDxVersion, ValidateFunction>();
  let cdxAjv: Ajv | undefined;
  const once = new Map<string, ValidateFunction>();
  const lazy = (file: string) => {
    let v = once.get(file);
    if (!v) once.set(file, (v = compileAsDraft07(file)));
    return v;
  };

  return {
    sarif() {
      if (!sarif) {
        const schema = readJson(new URL('sarif-schema-2.1.0.json', here));
        // draft-04 → draft-07: only the identifier keyword differs for this schema.
        const { id, $schema: _drop, ...rest } = schema;
        const ajv = new Ajv({ strict: false, allErrors: true });
        addFormats(ajv);
        sarif = ajv.compile({ ...rest, $id: String(id) } as Record<string, unknown>);
      }
      return sarif;
    },
    ocsfVulnerabilityFinding: () => lazy('ocsf-1.8.0-vulnerability_finding.schema.json'),
    asffFinding: () => lazy('asff-securityhub-2018-10-26-AwsSecurityFinding.schema.json'),
    adaptiveCard: () => lazy('adaptive-card-1.4.0.json'),
    spdx23() {
      if (!spdx) {
        const ajv = new Ajv2019({ strict: false, allErrors: true });
        addFormats(ajv as unknown as Ajv);
        spdx = ajv.compile(readJson(new URL('spdx-schema-2.3.json', here)));
      }
      return spdx;
    },
    cyclonedx(version) {
      let v = cdx.get(version);
      if (!v) {
        const dir = cyclonedxSchemaDir();
        if (!cdxAjv) {
          cdxAjv = new Ajv({ strict: false, allErrors: true });
          addFormats(cdxAjv);
          cdxAjv.addFormat('iri-reference', { type: 'string', validate: (s: string) => s.length > 0 && !/\s/.test(s) });
          cdxAjv.addFormat('idn-email', { type: 'string', validate: (s: string) => s.includes('@') });
          addUniqueItems(cdxAjv);
          // The BOM schemas $ref these by their file names.
          cdxAjv.addSchema({ ...readSchemaFast(dir + 'spdx.SNAPSHOT.schema.json'), $id: 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json' });
          cdxAjv.addSchema({ ...readSchemaFast(dir + 'jsf-0.82.SNAPSHOT.schema.json'), $id: 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json' });
        }
        v = cdxAjv.compile(readSchemaFast(`${dir}bom-${version}.SNAPSHOT.schema.json`));
        cdx.set(version, v);
      }
      return v;
    },
  };
}

/** The SPDX license identifiers CycloneDX accepts as `license.id` (the SPDX license list). */
export function spdxLicenseIds(): ReadonlySet<string> {
  const schema = readJson(cyclonedxSchemaDir() + 'spdx.SNAPSHOT.schema.json') as { enum: string[] };
  return new Set(schema.enum);
}
