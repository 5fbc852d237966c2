/**
 * A `docker save` archive (also `skopeo copy … docker-archive:` and `podman save`): manifest.json
 * naming the config and the layer tars, read in place by offset, never extracted. Archives from
 * Docker 25+ also carry an OCI layout (index.json, blobs/sha256/…); when manifest.json is absent
 * that layout is used. Format: https://github.com/moby/moby/blob/master/image/spec/v1.2.md
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { VigilError } from '../../model/index.ts';
import type { ScanFS } from '../types.ts';
import { configSchema, createdByPerLayer, indexSchema, openImage, parseJson, parsePlatform, schema, type OpenImageOptions } from '../image/index.ts';
import { checkLayoutFile, resolveImage, verifyBlob, type BlobStore } from '../oci-layout/index.ts';
import { indexTar, type TarIndexEntry } from './tarindex.ts';

export { indexTar, type TarIndexEntry } from './tarindex.ts';

export interface DockerArchiveOptions extends OpenImageOptions {
  /** a RepoTags entry ("name:tag", or just "tag") when the archive holds several images */
  tag?: string;
  /** for archives holding an OCI index with several platforms */
  platform?: string;
}

const manifestSchema = schema.array(
  schema.object({
    Config: schema.string(),
    RepoTags: schema.nullish(schema.array(schema.string())),
    Layers: schema.array(schema.string()),
  }),
);

/** Follows symlink and hardlink entries of the outer tar (docker save links repeated layers). */
function lookup(entries: Map<string, TarIndexEntry>, name: string, archive: string): TarIndexEntry {
  let cur = name;
  for (let hops = 0; hops < 16; hops++) {
    const e = entries.get(cur);
    if (!e) break;
    if (e.type === '0' || e.type === '7') return e;
    if (e.type === '2' || e.type === '1') {
      const target = e.type === '2' ? posix.join(posix.dirname(cur), e.linkname ?? '') : posix.normalize(e.linkname ?? '');
      if (target.startsWith('../') || target === '..' || target.startsWith('/')) break;
      cur = target;
      continue;
    }
    break;
  }
  throw new VigilError('VIGIL_INVALID_INPUT', `${archive}: entry ${name} is missing or not a file`, { input: name, rule: 'missing-entry' });
}

async function readEntry(path: string, e: TarIndexEntry, max = 64 * 1024 * 1024): Promise<Buffer> {
  if (e.size > max) throw new VigilError('VIGIL_LIMIT_EXCEEDED', `${path}: ${e.name} is ${e.size} bytes, over ${max}`, { input: e.name, rule: 'file-too-large' });
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(e.size);
    await fh.read(b, 0, e.size, e.offset);
    return b;
  } finally {
    await fh.close();
  }
}

function streamEntry(path: string, e: TarIndexEntry): AsyncIterable<Buffer> {
  if (e.size === 0) return (async function* () {})();
  return createReadStream(path, { start: e.offset, end: e.offset + e.size - 1, highWaterMark: 1024 * 1024 });
}

/** "blobs/sha256/<hex>" → "sha256:<hex>" */
function digestFromPath(p: string): string | undefined {
  const m = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(p);
  if (m) return `${m[1]}:${m[2]}`;
  const old = /^([a-f0-9]{64})\.json$/.exec(p);
  return old ? `sha256:${old[1]}` : undefined;
}

/**
 * Opens a docker-save archive.
 * @throws VigilError VIGIL_INVALID_INPUT (not an archive, several images and no tag),
 * VIGIL_NOT_FOUND (no such tag), VIGIL_UNSAFE_ARCHIVE (digest mismatch)
 */
export async function openDockerArchive(path: string, opts: DockerArchiveOptions = {}): Promise<ScanFS> {
  const { entries, refused, skipped } = await indexTar(path, opts.limits);
  const ref = opts.tag ? `${path}:${opts.tag}` : path;
  const get = (n: string): TarIndexEntry => lookup(entries, n, path);
  let fs: ScanFS;
  if (entries.has('manifest.json')) {
    const manifest = parseJson(manifestSchema, await readEntry(path, get('manifest.json')), `${path}!manifest.json`);
    let image = manifest[0];
    if (opts.tag !== undefined) {
      const tag = opts.tag;
      const hit = manifest.find((m) => (m.RepoTags ?? []).some((t) => t === tag || t.endsWith(`:${tag}`)));
      if (!hit) {
        const tags = manifest.flatMap((m) => m.RepoTags ?? []);
        throw new VigilError('VIGIL_NOT_FOUND', `${path}: no image tagged ${JSON.stringify(tag)} (tags: ${tags.join(', ') || 'none'})`, { input: tag, rule: 'tag' });
      }
      image = hit;
    } else if (manifest.length !== 1) {
      throw new VigilError('VIGIL_INVALID_INPUT', `${path}: ${manifest.length} images; choose one by tag (${manifest.flatMap((m) => m.RepoTags ?? []).join(', ')})`, { input: path, rule: 'tag' });
    }
    const cfgName = posix.normalize(image.Config);
    const cfgBytes = await readEntry(path, get(cfgName));
    const cfgDigest = digestFromPath(cfgName) ?? `sha256:${createHash('sha256').update(cfgBytes).digest('hex')}`;
    verifyBlob(cfgBytes, cfgDigest, `${path}!${cfgName}`);
    const config = parseJson(configSchema, cfgBytes, `${path}!${cfgName}`);
    if (config.rootfs.diff_ids.length !== image.Layers.length) {
      throw new VigilError('VIGIL_INVALID_INPUT', `${path}: manifest.json has ${image.Layers.length} layers, config ${config.rootfs.diff_ids.length} diff ids`, { input: path, rule: 'layer-count' });
    }
    const createdBy = createdByPerLayer(config, image.Layers.length);
    const platform = config.os && config.architecture ? `${config.os}/${config.architecture}${config.variant ? `/${config.variant}` : ''}` : undefined;
    fs = await openImage(
      {
        target: { kind: 'docker-archive', ref, digest: cfgDigest, ...(platform ? { platform } : {}) },
        layers: image.Layers.map((l, i) => {
          const name = posix.normalize(l);
          const e = get(name);
          const digest = digestFromPath(name);
          return {
            open: () => streamEntry(path, e),
            locate: async () => ({ path, offset: e.offset, size: e.size }),
            diffId: config.rootfs.diff_ids[i],
            ...(digest ? { digest } : {}),
            ...(createdBy[i] !== undefined ? { createdBy: createdBy[i] } : {}),
            size: e.size,
          };
        }),
      },
      opts,
    );
  } else if (entries.has('index.json') && entries.has('oci-layout')) {
    const store: BlobStore = {
      name: path,
      async read(digest, max) {
        const d = digestFromPath(`blobs/${digest.replace(':', '/')}`);
        if (!d) throw new VigilError('VIGIL_INVALID_INPUT', `${path}: malformed digest ${JSON.stringify(digest)}`, { input: digest, rule: 'digest' });
        const data = await readEntry(path, get(`blobs/${digest.replace(':', '/')}`), max);
        verifyBlob(data, digest, path);
        return data;
      },
      async open(digest) {
        return streamEntry(path, get(`blobs/${digest.replace(':', '/')}`));
      },
      async locate(digest) {
        const e = get(`blobs/${digest.replace(':', '/')}`);
        return { path, offset: e.offset, size: e.size };
      },
    };
    checkLayoutFile(await readEntry(path, get('oci-layout')), `${path}!oci-layout`);
    const index = parseJson(indexSchema, await readEntry(path, get('index.json')), `${path}!index.json`);
    const src = await resolveImage(store, index, { tag: opts.tag, platform: opts.platform ? parsePlatform(opts.platform) : undefined, kind: 'docker-archive', ref });
    fs = await openImage(src, opts);
  } else {
    throw new VigilError('VIGIL_INVALID_INPUT', `${path}: not a docker archive (no manifest.json or OCI index.json)`, { input: path, rule: 'docker-archive' });
  }
  for (const r of refused) fs.errors.push({ path: `${path}!${r.split(':')[0]}`, rule: 'path-traversal', message: `outer archive entry ${r}; ignored` });
  for (const r of skipped) fs.errors.push({ path: `${path}!${r.split(':')[0]}`, rule: 'name-too-long', message: `outer archive entry ${r}` });
  return fs;
}
