/** Maven coordinates as Packages, shared by the Java extractors. */
import { makePurl, type Package } from '../../../model/index.ts';

/** ecosystem "Maven", name "group:artifact", purl pkg:maven/group/artifact@version */
export function mavenPackage(group: string, artifact: string, version: string, location: string, foundBy: string): Package {
  return { ecosystem: 'Maven', name: `${group}:${artifact}`, version, purl: makePurl('maven', group, artifact, version), locations: [location], foundBy };
}
