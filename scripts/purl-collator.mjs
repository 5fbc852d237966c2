import { readFileSync } from 'node:fs';

// An esbuild plugin of scripts/build.mjs, apart so that test/build.test.ts can check its rewrite.
//
// packageurl-js's strings.js makes an Intl.Collator when evaluated (`const { compare: localeCompare } =
// new Intl.Collator()`): ~7.5 ms of ICU set-up in every scan thread that makes a purl. What it compares
// (purl-component.js componentComparator) are the sort keys of purl components, numbers 0–7 for every
// component the library knows; digit strings sort the same by code unit as by the root collation. The
// bundle's copy compares two numbers that way and makes the collator only for anything else, so the
// order is the library's own and the collator is made only when a comparison needs it.
export const purlLazyCollator = {
  name: 'packageurl-lazy-collator',
  setup(b) {
    b.onLoad({ filter: /[\\/]packageurl-js[\\/]src[\\/]strings\.js$/ }, (args) => ({ contents: lazyCollator(readFileSync(args.path, 'utf8'), args.path), loader: 'js' }));
  },
};

/** strings.js's source with the collator made on demand; throws when the line it replaces is gone. */
export function lazyCollator(src, path = 'packageurl-js/src/strings.js') {
  const eager = 'const { compare: localeCompare } = new Intl.Collator()';
  if (!src.includes(eager)) throw new Error(`${path}: the Intl.Collator line scripts/purl-collator.mjs replaces is gone (packageurl-js changed): review it`);
  const lazy = "let collator\nconst localeCompare = (a, b) => {\n  if (typeof a === 'number' && typeof b === 'number') { const x = String(a), y = String(b); return x < y ? -1 : x > y ? 1 : 0 }\n  return (collator ??= new Intl.Collator()).compare(a, b)\n}";
  return src.replace(eager, lazy);
}
