/**
 * Reads an input directory for `vigil network analyze`: the AWS CLI outputs (file names in
 * aws/schema.ts) and/or a host's firewall and sockets (host/index.ts). The only I/O in this folder.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VigilError } from '../../model/errors.ts';
import { analyzeAws } from './aws/analyze.ts';
import { parseAwsInputs } from './aws/parse.ts';
import { AWS_FILES, type AwsFileName } from './aws/schema.ts';
import { sortResult, type NetworkResult } from './finding.ts';
import { analyzeHost, HOST_FILES, parseHostInputs, type HostFileName } from './host/index.ts';

/**
 * Analyses a directory: AWS findings when any AWS file is there, host findings when a host file is.
 * @throws VigilError VIGIL_NOT_FOUND when the directory does not exist; VIGIL_INVALID_INPUT when it
 *   holds none of the known files, or a file is malformed (naming the file and the rule)
 */
export async function analyzeDirectory(dir: string, opts: { hostName?: string } = {}): Promise<NetworkResult> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VigilError('VIGIL_NOT_FOUND', `network input ${dir}: no such directory`, { input: dir, rule: 'not-found', cause: err });
    throw new VigilError('VIGIL_INVALID_INPUT', `network input ${dir}: not a readable directory (${code ?? (err as Error).message})`, { input: dir, rule: 'unreadable', cause: err });
  }
  const awsNames = names.filter((n): n is AwsFileName => n in AWS_FILES);
  const hostNames = names.filter((n): n is HostFileName => (HOST_FILES as readonly string[]).includes(n));
  if (awsNames.length === 0 && hostNames.length === 0) {
    throw new VigilError('VIGIL_INVALID_INPUT', `network input ${dir}: none of the known files (${[...Object.keys(AWS_FILES), ...HOST_FILES].join(', ')})`, { input: dir, rule: 'no-known-files' });
  }
  const read = async (n: string) => readFile(join(dir, n), 'utf8');
  const result: NetworkResult = { findings: [], notes: [] };
  if (awsNames.length > 0) {
    const files: Partial<Record<AwsFileName, string>> = {};
    for (const n of awsNames) files[n] = await read(n);
    const r = analyzeAws(parseAwsInputs(files));
    result.findings.push(...r.findings);
    result.notes.push(...r.notes);
  }
  if (hostNames.length > 0) {
    const files: Partial<Record<HostFileName, string>> = {};
    for (const n of hostNames) files[n] = await read(n);
    const r = analyzeHost(parseHostInputs(files), { hostName: opts.hostName });
    result.findings.push(...r.findings);
    result.notes.push(...r.notes);
  }
  return sortResult(result);
}
