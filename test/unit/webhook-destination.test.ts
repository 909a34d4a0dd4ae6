import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPublicOnlyLookup,
  DestinationNotAllowedError,
  findDestinationProblem,
  isPublicAddress,
  type HostResolver,
  type ResolvedAddress,
} from '../../src/webhooks/webhook-destination.ts';
import { postDelivery } from '../../src/webhooks/webhook-transport.ts';

const zones: Record<string, ResolvedAddress[]> = {
  'public.example': [{ address: '93.184.215.14', family: 4 }],
  'public6.example': [{ address: '2606:4700:4700::1111', family: 6 }],
  'internal.example': [{ address: '10.0.0.5', family: 4 }],
  'metadata.example': [{ address: '169.254.169.254', family: 4 }],
  'mapped.example': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'mixed.example': [
    { address: '93.184.215.14', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
};
const stubResolver: HostResolver = async (hostname) => {
  const answer = zones[hostname];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return answer;
};
const refused = 'must not point at a loopback, private or otherwise non-public address';

describe('webhook destination addresses', () => {
  it.each([
    ['https://0.0.0.0', 'unspecified IPv4'],
    ['https://[::]', 'unspecified IPv6'],
    ['https://[::ffff:127.0.0.1]', 'IPv4-mapped loopback'],
    ['https://[::ffff:a9fe:a9fe]', 'IPv4-mapped cloud metadata address 169.254.169.254'],
    ['https://localhost.', 'localhost with a trailing dot'],
    ['https://localhost', 'localhost'],
    ['https://hooks.localhost', 'a .localhost name'],
    ['https://100.64.0.1', 'CGNAT'],
    ['https://10.1.2.3', 'RFC 1918 10/8'],
    ['https://172.16.5.5', 'RFC 1918 172.16/12'],
    ['https://172.31.255.255', 'RFC 1918 172.16/12, upper end'],
    ['https://192.168.0.1', 'RFC 1918 192.168/16'],
    ['https://127.0.0.1', 'IPv4 loopback'],
    ['https://127.1.2.3', 'IPv4 loopback, not .0.0.1'],
    ['https://169.254.169.254', 'link-local (cloud metadata)'],
    ['https://224.0.0.1', 'IPv4 multicast'],
    ['https://255.255.255.255', 'broadcast'],
    ['https://198.18.0.1', 'benchmarking'],
    ['https://192.0.2.1', 'documentation'],
    ['https://240.0.0.1', 'reserved'],
    ['https://[::1]', 'IPv6 loopback'],
    ['https://[fc00::1]', 'unique-local fc00::/7'],
    ['https://[fd12:3456::1]', 'unique-local fd00::/8'],
    ['https://[fe80::1]', 'IPv6 link-local'],
    ['https://[ff02::1]', 'IPv6 multicast'],
    ['https://[::ffff:0:7f00:1]', 'IPv4-translated loopback (RFC 6145)'],
    ['https://[64:ff9b::a00:1]', 'NAT64 of 10.0.0.1'],
    ['https://[::7f00:1]', 'IPv4-compatible loopback'],
    ['https://[2001:db8::1]', 'IPv6 documentation'],
    ['https://internal.example', 'a name that resolves to 10.0.0.5'],
    ['https://metadata.example', 'a name that resolves to 169.254.169.254'],
    ['https://mapped.example', 'a name that resolves to ::ffff:127.0.0.1'],
    ['https://mixed.example', 'a name with one public and one loopback address'],
  ])('when the webhook URL is %s (%s), then it is refused', async (url) => {
    expect(await findDestinationProblem(new URL(url), stubResolver)).toBe(refused);
  });

  it.each([
    ['https://93.184.215.14/hooks', 'public IPv4'],
    ['https://172.32.0.1', 'just above 172.16/12'],
    ['https://[2606:4700:4700::1111]', 'public IPv6'],
    ['https://[64:ff9b::808:808]', 'NAT64 of a public address'],
    ['https://public.example/hooks', 'a name that resolves to a public IPv4'],
    ['https://public6.example', 'a name that resolves to a public IPv6'],
  ])('when the webhook URL is %s (%s), then it is allowed', async (url) => {
    expect(await findDestinationProblem(new URL(url), stubResolver)).toBeUndefined();
  });

  it('when the host name does not resolve, then it is refused as such', async () => {
    expect(await findDestinationProblem(new URL('https://missing.example'), stubResolver)).toBe('has a host name that does not resolve');
  });

  it('when an address is classified, then only public unicast ones are public', () => {
    for (const address of ['0.0.0.0', '::', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '100.64.0.1', '100.127.255.255', '10.0.0.1', '172.16.0.1', '192.168.1.1', '127.0.0.1', '::1', 'fc00::', 'fe80::1', 'fe80::1%eth0', 'not an address']) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['8.8.8.8', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPublicAddress(address), address).toBe(true);
  });
});

describe('connect-time destination check', () => {
  const lookup = createPublicOnlyLookup(stubResolver);
  const lookUp = (hostname: string, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown; family: unknown }>((resolve) => {
      lookup(hostname, { all }, (error, address, family) => resolve({ error, address, family }));
    });

  it('when a name resolves to a non-public address at connect time, then the lookup fails with DestinationNotAllowedError', async () => {
    for (const hostname of ['internal.example', 'mapped.example', 'mixed.example']) {
      const { error } = await lookUp(hostname, false);
      expect(error).toBeInstanceOf(DestinationNotAllowedError);
    }
  });

  it('when a name resolves to public addresses, then the lookup answers them in the form asked for', async () => {
    expect(await lookUp('public.example', false)).toEqual({ error: null, address: '93.184.215.14', family: 4 });
    expect(await lookUp('public6.example', true)).toEqual({ error: null, address: [{ address: '2606:4700:4700::1111', family: 6 }], family: undefined });
  });

  let server: http.Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits += 1;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const send = (url: string, allowNonPublicDestinations: boolean) =>
    postDelivery({ url, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 2000, allowNonPublicDestinations });

  it('when the transport sends to a loopback listener by name or by any literal form, then it refuses before connecting', async () => {
    for (const host of ['localhost', '127.0.0.1', '0.0.0.0', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]']) {
      await expect(send(`http://${host}:${port}/hooks`, false), host).rejects.toBeInstanceOf(DestinationNotAllowedError);
    }
    expect(hits).toBe(0);
  });

  it('when a name is rebound to loopback after registration, then the connection is refused', async () => {
    const rebinding: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];
    await expect(
      postDelivery({ url: `http://rebind.example:${port}/hooks`, headers: {}, body: '{}', timeoutMs: 2000, allowNonPublicDestinations: false, lookup: createPublicOnlyLookup(rebinding) }),
    ).rejects.toBeInstanceOf(DestinationNotAllowedError);
    expect(hits).toBe(0);
  });

  it('when non-public destinations are allowed, then the same loopback listener is reached', async () => {
    expect(await send(`http://localhost:${port}/hooks`, true)).toEqual({ status: 204 });
    expect(hits).toBe(1);
  });
});
