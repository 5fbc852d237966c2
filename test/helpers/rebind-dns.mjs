// Test-only preload for the isolated scan processes of src/policy/egress.test.ts (passed through
// NODE_OPTIONS="--import …"): names under `.rebind.test` resolve to 127.0.0.1, as a name an attacker
// controls would once it has been rebound after registration. Everything else resolves as usual.
// Plain JavaScript: it is loaded before tsx's hooks.
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';

const rebound = (host) => typeof host === 'string' && /\.rebind\.test\.?$/i.test(host);
const { lookup } = dns;
const { lookup: lookupPromise } = dns.promises;

dns.lookup = function (host, options, callback) {
  if (!rebound(host)) return lookup.call(this, host, options, callback);
  const cb = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all;
  process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
};
dns.promises.lookup = async function (host, options) {
  if (!rebound(host)) return lookupPromise.call(this, host, options);
  const all = typeof options === 'object' && options !== null && options.all;
  return all ? [{ address: '127.0.0.1', family: 4 }] : { address: '127.0.0.1', family: 4 };
};
syncBuiltinESMExports();
