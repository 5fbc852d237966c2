/**
 * Network reachability: which (resource, protocol, port range) the internet reaches, and by which
 * path. AWS inputs (the AWS CLI's JSON) and host inputs (nftables/iptables rules, listening
 * sockets). See README.md for what is read and what is not.
 */
export { analyzeAws } from './aws/analyze.ts';
export { parseAwsInputs, type AwsInputs } from './aws/parse.ts';
export { AWS_FILES, type AwsFileName } from './aws/schema.ts';
export { analyzeHost, parseHostInputs, HOST_FILES, LISTENING_FILE, parseNft, parseIptablesSave, openFromInternet, type HostFileName, type HostInputs, type HostSocket } from './host/index.ts';
export { analyzeDirectory } from './load.ts';
export { findingKey, portText, sortResult, type ComponentType, type NetworkFinding, type NetworkNote, type NetworkResult, type PathStep } from './finding.ts';
export * as ports from './ports.ts';
