// Owns the SSRF guard: webhook URLs reach only public unicast addresses, unless the operator allow-lists
// an internal address (and port) for admin-owned endpoints. Checked when an endpoint is saved and again
// at connect time (DNS can change between the two), through the lookup that the HTTP client uses.
import { type LookupAddress, lookup } from 'node:dns';
import ipaddr from 'ipaddr.js';
import type { AllowedAddress, Config } from '../core/config.ts';
import { domainError } from '../core/errors.ts';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface AddressPolicy {
  allowHttp: boolean;
  allowedAddresses: AllowedAddress[];
}

// IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries.
function parsed(address: string): Address | null {
  try {
    return ipaddr.process(address);
  } catch {
    return null;
  }
}

function isAllowListed(address: Address, port: number, allowed: AllowedAddress[]): boolean {
  return allowed.some(
    (entry) =>
      (entry.port === null || entry.port === port) &&
      entry.range[0].kind() === address.kind() &&
      address.match(entry.range),
  );
}

export type AddressVerdict = 'public' | 'allow_listed' | 'refused';

// Only global unicast is public: loopback, private, link-local, CGNAT, unique-local, multicast, reserved,
// and the NAT64, 6to4 and Teredo forms (which can embed any IPv4 address) are not.
export function classifyAddress(address: string, port: number, allowed: AllowedAddress[]): AddressVerdict {
  const ip = parsed(address);
  if (!ip) return 'refused';
  if (ip.range() === 'unicast') return 'public';
  return isAllowListed(ip, port, allowed) ? 'allow_listed' : 'refused';
}

function refused(message: string) {
  return domainError(400, 'webhook_url_refused', message);
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) =>
    lookup(host, { all: true }, (error, found) =>
      error ? reject(error) : resolve(found.map((a) => a.address)),
    ),
  );

// The operator's policy, from the configuration.
export function addressPolicy(
  config: Pick<Config, 'webhookAllowHttp' | 'webhookAllowedAddresses'>,
): AddressPolicy {
  return { allowHttp: config.webhookAllowHttp, allowedAddresses: config.webhookAllowedAddresses };
}

// A URL's host without the brackets of an IPv6 literal.
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'http:' ? 80 : 443;
}

export interface UrlCheck {
  // Whether any address the URL reaches is internal but allow-listed by the operator.
  internal: boolean;
}

// Checks a URL when an endpoint is saved: scheme, then every address its host resolves to. Allow-listed
// internal addresses count only when the caller may use them (admin-owned endpoints).
export async function checkWebhookUrl(
  raw: string,
  policy: AddressPolicy,
  options: { mayUseAllowList: boolean; resolve?: Resolver } = { mayUseAllowList: true },
): Promise<UrlCheck> {
  const url = new URL(raw);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp))
    throw refused(policy.allowHttp ? 'The URL must be http or https' : 'The URL must use https');
  if (url.username || url.password) throw refused('The URL may not carry credentials');
  const host = hostOf(url);
  const addresses = ipaddr.isValid(host)
    ? [host]
    : await (options.resolve ?? systemResolver)(host).catch(() => {
        throw refused(`${host} does not resolve`);
      });
  const allowed = options.mayUseAllowList ? policy.allowedAddresses : [];
  const verdicts = addresses.map((address) => classifyAddress(address, portOf(url), allowed));
  const forbidden = addresses[verdicts.indexOf('refused')];
  if (forbidden !== undefined) throw refused(`${host} resolves to ${forbidden}, an internal address`);
  return { internal: verdicts.includes('allow_listed') };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

// A dns.lookup for the HTTP client that refuses internal addresses at connect time. The allow-list
// applies only to admin-owned endpoints, and only for the URL's own port.
export function guardedLookup(policy: AddressPolicy, port: number, mayUseAllowList: boolean) {
  const allowed = mayUseAllowList ? policy.allowedAddresses : [];
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const forbidden = addresses.find((a) => classifyAddress(a.address, port, allowed) === 'refused');
      if (forbidden) {
        const refusal = Object.assign(
          new Error(`${hostname} resolves to ${forbidden.address}, an internal address`),
          { code: 'WEBHOOK_ADDRESS_REFUSED' },
        );
        return callback(refusal, []);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

// Whether a delivery's answer body may be kept in the attempt log: only when it came from a public
// address. An allow-listed internal receiver could be any internal service, so only its status is kept.
export function isPublicAddress(address: string | undefined): boolean {
  return address !== undefined && parsed(address)?.range() === 'unicast';
}

// What a delivery to this URL may connect to. A literal address is judged here, since the connection
// makes no DNS lookup for it; a host name is judged by the lookup, at connect time.
export function deliveryGuard(url: string, policy: AddressPolicy, mayUseAllowList: boolean) {
  const target = new URL(url);
  const host = hostOf(target);
  const allowed = mayUseAllowList ? policy.allowedAddresses : [];
  const refused = ipaddr.isValid(host) && classifyAddress(host, portOf(target), allowed) === 'refused';
  return { refused, lookup: guardedLookup(policy, portOf(target), mayUseAllowList) };
}
