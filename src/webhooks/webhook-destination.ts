// Where deliveries may go: only public unicast addresses. Addresses are classified with
// ipaddr.js; names are resolved, at registration (a quick answer for the caller) and again for
// every connection through a lookup that refuses non-public answers, so a name that later
// resolves elsewhere (DNS rebinding) cannot reach an internal address.
import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The only thing a delivery records or a caller learns about a refused destination. */
export const destinationNotAllowed = 'destination address not allowed';

export class DestinationNotAllowedError extends Error {
  readonly code = 'EDESTINATIONNOTALLOWED';
  constructor() {
    super(destinationNotAllowed);
    this.name = 'DestinationNotAllowedError';
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const resolveHost: HostResolver = (hostname) => dns.promises.lookup(hostname, { all: true, order: 'verbatim' });

/** IPv4 inside an IPv6 address that the network stack or a translator may turn into an IPv4 connection. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = address.range();
  const isWellKnownNat64 = range === 'rfc6052' && address.match(ipaddr.IPv6.parse('64:ff9b::'), 96);
  if (range !== 'ipv4Mapped' && range !== 'rfc6145' && !isWellKnownNat64) return undefined;
  const [high, low] = address.parts.slice(-2) as [number, number];
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/**
 * True only for a public unicast address: not loopback, private (RFC 1918), link-local,
 * CGNAT, unspecified, unique-local, multicast, broadcast, reserved, documentation or
 * benchmarking, nor an IPv4-mapped or translated IPv6 form of one of them.
 */
export function isPublicAddress(text: string): boolean {
  if (!ipaddr.isValid(text)) return false;
  const address = ipaddr.parse(text);
  if (address.kind() === 'ipv4') return address.range() === 'unicast';
  const v6 = address as ipaddr.IPv6;
  const v4 = embeddedIPv4(v6);
  if (v4) return v4.range() === 'unicast';
  // ::/8 (IPv4-compatible and other IETF-reserved forms) is never a delivery target.
  if (v6.parts[0]! < 0x100) return false;
  return v6.range() === 'unicast';
}

function bareHostname(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '').toLowerCase();
}

/** RFC 6761 names that always mean this machine. */
function isLocalhostName(hostname: string): boolean {
  const host = bareHostname(hostname);
  return host === 'localhost' || host.endsWith('.localhost');
}

/** The IP address of a literal host (`127.0.0.1`, `[::1]`), or undefined for a name. */
export function literalAddressOf(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '');
  return net.isIP(host) ? host : undefined;
}

/**
 * Why a URL's host may not receive deliveries, or undefined when it may. Names are resolved;
 * every address they resolve to must be public.
 */
export async function findDestinationProblem(url: URL, resolve: HostResolver = resolveHost, timeoutMs = 5000): Promise<string | undefined> {
  const refused = 'must not point at a loopback, private or otherwise non-public address';
  if (isLocalhostName(url.hostname)) return refused;
  const literal = literalAddressOf(url.hostname);
  if (literal) return isPublicAddress(literal) ? undefined : refused;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
  });
  try {
    const addresses = await Promise.race([resolve(bareHostname(url.hostname)), timeout]);
    if (addresses.length === 0) return 'has a host name that does not resolve';
    return addresses.every((a) => isPublicAddress(a.address)) ? undefined : refused;
  } catch {
    return 'has a host name that does not resolve';
  } finally {
    clearTimeout(timer);
  }
}

function familyOf(option: number | string | undefined): 4 | 6 | undefined {
  if (option === 4 || option === 'IPv4') return 4;
  if (option === 6 || option === 'IPv6') return 6;
  return undefined;
}

/**
 * A `lookup` for outgoing connections that answers only when every address of the name is
 * public, and otherwise fails with DestinationNotAllowedError before any connection is made.
 */
export function createPublicOnlyLookup(resolve: HostResolver = resolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        if (addresses.some((a) => !isPublicAddress(a.address))) return callback(new DestinationNotAllowedError(), '', 0);
        const family = familyOf(options.family);
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        if (usable.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return callback(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
