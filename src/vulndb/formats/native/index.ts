/**
 * Converters of native (non-OSV) advisory databases to OSV records: rubysec (RubyGems),
 * FriendsOfPHP (Packagist), nodejs security-wg (npm). Listed explicitly; nothing registers itself.
 */
import type { AdvisoryFormat } from '../types.ts';
import { friendsOfPhpFormat } from './friendsofphp/index.ts';
import { nodejsSecurityWgFormat } from './nodejs-security-wg/index.ts';
import { rubysecFormat } from './rubysec/index.ts';

export { friendsOfPhpFormat, nodejsSecurityWgFormat, rubysecFormat };

/** All native formats, in a stable order. */
export const nativeFormats: readonly AdvisoryFormat[] = [rubysecFormat, friendsOfPhpFormat, nodejsSecurityWgFormat];
