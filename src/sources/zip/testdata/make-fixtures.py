#!/usr/bin/env python3
"""Writes the zip fixtures (run from this folder). Hostile names and modes need hand-made ZipInfo."""
import stat, zipfile

def info(name, mode, compress=zipfile.ZIP_DEFLATED):
    z = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    z.create_system = 3  # unix, so the mode in external_attr counts
    z.external_attr = mode << 16
    z.compress_type = compress
    return z

with zipfile.ZipFile('happy/function.zip', 'w') as z:
    z.writestr(info('index.js', stat.S_IFREG | 0o644), 'exports.handler = async () => 1;\n')
    z.writestr(info('package.json', stat.S_IFREG | 0o644), '{"name":"fn","version":"1.0.0","dependencies":{"lodash":"4.17.4"}}\n')
    z.writestr(info('node_modules/', stat.S_IFDIR | 0o755), '')
    z.writestr(info('node_modules/lodash/package.json', stat.S_IFREG | 0o644), '{"name":"lodash","version":"4.17.4"}\n')
    z.writestr(info('modules', stat.S_IFLNK | 0o777), 'node_modules')
with zipfile.ZipFile('happy/layer1.zip', 'w') as z:
    z.writestr(info('nodejs/node_modules/shared/package.json', stat.S_IFREG | 0o644), '{"name":"shared","version":"1.0.0"}\n')
    z.writestr(info('python/requests-2.19.0.dist-info/METADATA', stat.S_IFREG | 0o644), 'Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n')
with zipfile.ZipFile('happy/layer2.zip', 'w') as z:
    z.writestr(info('nodejs/node_modules/shared/package.json', stat.S_IFREG | 0o644), '{"name":"shared","version":"2.0.0"}\n')

with zipfile.ZipFile('sad/hostile.zip', 'w') as z:
    z.writestr(info('../../evil.txt', stat.S_IFREG | 0o644), 'pwned')
    z.writestr(info('/abs.txt', stat.S_IFREG | 0o644), 'pwned')
    z.writestr(info('C:/win.txt', stat.S_IFREG | 0o644), 'pwned')
    z.writestr(info('escape', stat.S_IFLNK | 0o777), '../../../../../../etc')
    z.writestr(info('escape/passwd', stat.S_IFREG | 0o644), 'pwned')
    z.writestr(info('abs-link', stat.S_IFLNK | 0o777), '/ok.txt')
    z.writestr(info('dev-null', stat.S_IFCHR | 0o666), '')
    z.writestr(info('bomb.bin', stat.S_IFREG | 0o644), b'\0' * (20 * 1024 * 1024))
    z.writestr(info('ok.txt', stat.S_IFREG | 0o644), 'fine')

with open('sad/not-a-zip.zip', 'w') as f:
    f.write('this is not a zip\n')
