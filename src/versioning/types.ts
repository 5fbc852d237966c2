export interface Version { readonly raw: string }
export interface VersionScheme<V extends Version = Version> {
  id: string;
  /** @throws InvalidVersionError naming the input and the rule */
  parse(v: string): V;
  compare(a: V, b: V): number;
}
