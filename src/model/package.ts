/**
 * The inventory model: what a scan found and matching consumes. An inventory is an SBOM in spirit
 * (packages with purls and where each was found); matching accepts any inventory, whether a scan
 * produced it or it was read from a user's SBOM.
 */

/** One installed package. */
export interface Package {
  /**
   * OSV ecosystem spelling, including the release for distributions: "npm", "PyPI", "Go",
   * "crates.io", "Debian:11", "Ubuntu:22.04:LTS", "Alpine:v3.18", "AlmaLinux:9".
   */
  ecosystem: string;
  /** the package name as its ecosystem writes it (a Debian/Alpine *binary* package name) */
  name: string;
  /** the installed version, in the ecosystem's own spelling (rpm: "[epoch:]version-release") */
  version: string;
  purl?: string;
  /** distributions: the source package (Debian/Ubuntu `Source:`, Alpine `o:` origin, rpm SRPM name) */
  sourceName?: string;
  /** distributions: the source package's version when it differs from the binary's (Debian binNMUs) */
  sourceVersion?: string;
  /** where it was found: file paths (every file that lists this install, sorted), layer digests */
  locations?: string[];
  /**
   * For a language package installed by the OS package manager (a Python module from a .deb): the
   * owning OS package, e.g. "Debian:12/python3-requests". Such packages are matched once, through
   * their owner, never a second time against their language ecosystem.
   */
  ownedBy?: string;
  /** the extractor that found it ("javascript/package-lock", "os/dpkg"); of several, the first in name order */
  foundBy?: string;
  /**
   * every extractor that found this install, sorted, when there are several (a lockfile and the
   * installed tree beside it: src/inventory/README.md, "Same install")
   */
  extractors?: string[];
  /** a development-only dependency (devDependencies, dev groups): shown, flagged, filterable */
  dev?: boolean;
  /** images: the layer that introduced it (the last layer that wrote its first location) */
  layer?: LayerRef;
  licenses?: string[];
}

/** An image layer, as packages and findings cite it. */
export interface LayerRef {
  /** 0-based position in the image */
  index: number;
  /** the layer's diff id (sha256 of the uncompressed tar) or, failing that, its blob digest */
  digest: string;
  /** the history entry's `created_by` for this layer, when the image has one */
  createdBy?: string;
}

/** The packages of one resource (an image, a host, a repository). */
export interface Inventory {
  /** stable id of the resource the inventory belongs to */
  id: string;
  packages: Package[];
}
