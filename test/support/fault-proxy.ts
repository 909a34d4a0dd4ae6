// A loopback HTTP proxy in front of the real Keycloak that fails or delays chosen requests,
// so tests can make Keycloak fail in the middle of a saga without stopping the shared server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRule {
  match: (method: string, path: string) => boolean;
  /**
   * 'unavailable': answer 503 (with Retry-After: 1); 'reset': drop the connection; 'delay': pass
   * after delayMs; 'lose-answer': pass the request on, then drop the connection instead of
   * answering (the change happened, the caller never hears of it).
   */
  mode: 'unavailable' | 'reset' | 'delay' | 'lose-answer';
  delayMs?: number;
  /** How many matching requests to affect (default: all until cleared). */
  times?: number;
}

export interface FaultProxy {
  url: string;
  add(rule: FaultRule): void;
  clear(): void;
  /** Requests seen, as "METHOD path". */
  seen: string[];
  /** Admin API requests (/admin/…) in flight now, and the most there ever were at once. */
  adminCalls: { inFlight: number; peak: number };
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let rules: Array<FaultRule & { left: number }> = [];
  const seen: string[] = [];
  const adminCalls = { inFlight: 0, peak: 0 };
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    seen.push(`${method} ${path}`);
    if (path.startsWith('/admin/')) {
      adminCalls.inFlight += 1;
      adminCalls.peak = Math.max(adminCalls.peak, adminCalls.inFlight);
      res.once('close', () => (adminCalls.inFlight -= 1));
    }
    const rule = rules.find((r) => r.left > 0 && r.match(method, path));
    if (rule) rule.left -= 1;
    const forward = (loseAnswer = false) => {
      const proxied = http.request(
        { host: upstream.hostname, port: upstream.port, method, path, headers: { ...req.headers, host: upstream.host } },
        (upstreamRes) => {
          if (loseAnswer) {
            upstreamRes.resume();
            upstreamRes.once('end', () => res.socket?.destroy());
            return;
          }
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      proxied.on('error', () => res.destroy());
      req.pipe(proxied);
    };
    if (!rule) return forward();
    if (rule.mode === 'unavailable') {
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('injected failure');
    } else if (rule.mode === 'reset') {
      req.resume();
      res.socket?.destroy();
    } else if (rule.mode === 'lose-answer') {
      forward(true);
    } else {
      setTimeout(forward, rule.delayMs ?? 1000);
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    adminCalls,
    add(rule) {
      rules.push({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    clear() {
      rules = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
