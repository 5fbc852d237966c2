/**
 * Writes a JSON Schema derived from a published model (src/integrations/schemas/README.md says how the
 * committed ones were made):
 *   node --import tsx scripts/derive-schema.ts ocsf <ocsf-schema-compiler -i -b output> <class name>
 *   node --import tsx scripts/derive-schema.ts asff <botocore securityhub service-2.json> [shape]
 */
import { readFileSync } from 'node:fs';
import { asffSchema, type BotocoreModel } from '../src/integrations/schemas/derive-asff.ts';
import { ocsfClassSchema, type OcsfCompiled } from '../src/integrations/schemas/derive-ocsf.ts';

const [kind, file, name] = process.argv.slice(2);
const read = () => JSON.parse(readFileSync(file, 'utf8')) as unknown;
let schema: Record<string, unknown>;
if (kind === 'ocsf' && file && name) schema = ocsfClassSchema(read() as OcsfCompiled, name);
else if (kind === 'asff' && file) schema = asffSchema(read() as BotocoreModel, name ?? 'AwsSecurityFinding');
else {
  process.stderr.write('usage: derive-schema.ts ocsf <compiled.json> <class> | asff <service-2.json> [shape]\n');
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(schema, null, 1)}\n`);
