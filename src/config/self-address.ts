/**
 * Does a URL point at larder's own listen address? Used to refuse larder as its own upstream:
 * a user who pointed npm at larder (as the README says) would otherwise make larder ask itself.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

export interface ListenAddress {
  host: string;
  port: number;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** Hosts that reach this machine without naming one of its interfaces. */
function isLoopbackOrAny(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || WILDCARD_HOSTS.has(host)) return true;
  if (host.startsWith('::ffff:')) return isLoopbackOrAny(mappedIpv4(host.slice('::ffff:'.length)));
  return isIP(host) === 4 && host.startsWith('127.');
}

/** `7f00:1` → `127.0.0.1`: the URL parser writes IPv4-mapped IPv6 addresses in hex. */
function mappedIpv4(tail: string): string {
  const groups = tail.split(':');
  if (groups.length !== 2) return tail;
  const [high, low] = groups.map((group) => Number.parseInt(group, 16));
  if (high === undefined || low === undefined || Number.isNaN(high) || Number.isNaN(low)) return tail;
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** The addresses of this machine's interfaces, for a larder that listens on every interface. */
function interfaceAddresses(): Set<string> {
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) addresses.add(entry.address.toLowerCase());
  }
  return addresses;
}

function defaultPort(protocol: string): number | undefined {
  if (protocol === 'http:') return 80;
  if (protocol === 'https:') return 443;
  return undefined;
}

/** True when `url` would reach the larder listening on `self`. */
export function pointsAtSelf(url: URL, self: ListenAddress): boolean {
  const port = url.port === '' ? defaultPort(url.protocol) : Number(url.port);
  if (port !== self.port) return false;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const selfHost = self.host.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === selfHost || isLoopbackOrAny(host)) return true;
  // Listening on every interface: each of this machine's own addresses reaches larder too.
  return WILDCARD_HOSTS.has(selfHost) && interfaceAddresses().has(host);
}
