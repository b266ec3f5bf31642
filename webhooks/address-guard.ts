// Owns the SSRF guard: webhook URLs may not reach loopback, private, link-local, unique-local or cloud
// metadata addresses unless the operator allows them. Checked when an endpoint is saved and again at
// connect time (DNS can change between the two), through the lookup that the HTTP client uses.
import { type LookupAddress, lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { domainError } from '../core/http/errors.ts';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['fd00:ec2::254', 128],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

export interface AddressPolicy {
  allowHttp: boolean;
  // Addresses or CIDR ranges the operator permits even though they are internal (e.g. 127.0.0.1).
  allowedAddresses: string[];
}

function allowList(policy: AddressPolicy): BlockList {
  const list = new BlockList();
  for (const entry of policy.allowedAddresses) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix) list.addSubnet(address, Number(prefix), family);
    else list.addAddress(address, family);
  }
  return list;
}

function isForbiddenAddress(address: string, allowed: BlockList): boolean {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  return blocked.check(address, family) && !allowed.check(address, family);
}

function refused(message: string) {
  return domainError(400, 'webhook_url_refused', message);
}

// Checks a URL when an endpoint is saved: scheme, then every address its host resolves to.
export async function checkWebhookUrl(raw: string, policy: AddressPolicy): Promise<void> {
  const url = new URL(raw);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp))
    throw refused(policy.allowHttp ? 'The URL must be http or https' : 'The URL must use https');
  if (url.username || url.password) throw refused('The URL may not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : await new Promise<string[]>((resolve, reject) =>
        lookup(host, { all: true }, (error, found) =>
          error ? reject(refused(`${host} does not resolve`)) : resolve(found.map((a) => a.address)),
        ),
      );
  const allowed = allowList(policy);
  const forbidden = addresses.find((address) => isForbiddenAddress(address, allowed));
  if (forbidden) throw refused(`${host} resolves to ${forbidden}, an internal address`);
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

// A dns.lookup for the HTTP client that refuses internal addresses at connect time.
export function guardedLookup(policy: AddressPolicy) {
  const allowed = allowList(policy);
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const forbidden = addresses.find((a) => isForbiddenAddress(a.address, allowed));
      if (forbidden) {
        const refusal = Object.assign(
          new Error(`${hostname} resolves to ${forbidden.address}, an internal address`),
          {
            code: 'WEBHOOK_ADDRESS_REFUSED',
          },
        );
        return callback(refusal, []);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
