# Trims trivy-cdxgen's CycloneDX of the bullseye rootfs to a small fixture: the OS component and
# the components named below, with every field kept except the long InstalledFile properties;
# dependencies restricted to the kept refs.
import json, sys
keep = {'bash', 'libc6', 'zlib1g', 'libssl1.1', 'tzdata', 'base-files'}
d = json.load(open(sys.argv[1]))
cs = [c for c in d['components'] if c.get('type') == 'operating-system' or c['name'] in keep]
for c in cs:
    c['properties'] = [p for p in c.get('properties', []) if not p['name'].startswith('aquasecurity:trivy:InstalledFile')]
refs = {c['bom-ref'] for c in cs} | {d['metadata']['component']['bom-ref']}
d['components'] = cs
d['dependencies'] = [{'ref': x['ref'], 'dependsOn': [r for r in x.get('dependsOn', []) if r in refs]} for x in d['dependencies'] if x['ref'] in refs]
json.dump(d, open(sys.argv[2], 'w'), indent=2)
