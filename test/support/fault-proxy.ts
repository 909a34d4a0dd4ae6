// A loopback HTTP proxy in front of the real Keycloak that fails or delays chosen requests,
// so tests can make Keycloak fail in the middle of a saga without stopping the shared server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRule {
  match: (method: string, path: string) => boolean;
  /**
   * 'unavailable': answer `status` (default 503, with Retry-After: 1); 'reset': drop the
   * connection; 'delay': pass after delayMs; 'lose-answer': pass the request on, then drop the
   * connection instead of answering (the change happened, the caller never hears of it); 'hold':
   * never answer, and pass the request on only at releaseHeld() (it takes effect late, after the
   * caller gave up); 'pass': run `beforeForward`, then pass the request on.
   */
  mode: 'unavailable' | 'reset' | 'delay' | 'lose-answer' | 'hold' | 'pass';
  /** The status of an 'unavailable' answer. */
  status?: number;
  delayMs?: number;
  beforeForward?: () => void;
  /** How many matching requests to affect (default: all until cleared). */
  times?: number;
}

export interface FaultRuleHandle {
  /** Matching requests affected so far. */
  readonly hits: number;
  /** Stops affecting requests (other rules stay). */
  remove(): void;
  /** releaseHeld() for this rule's requests only. */
  releaseHeld(): Promise<void>;
}

export interface FaultProxy {
  url: string;
  add(rule: FaultRule): FaultRuleHandle;
  clear(): void;
  /** Passes the held requests on, in order, and resolves once the upstream answered each (the answers go nowhere). */
  releaseHeld(): Promise<void>;
  /** Requests seen, as "METHOD path". */
  seen: string[];
  /** Admin API requests (/admin/…) in flight now, and the most there ever were at once. */
  adminCalls: { inFlight: number; peak: number };
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  type ActiveRule = FaultRule & { left: number; hits: number };
  let rules: ActiveRule[] = [];
  let held: Array<{ rule: ActiveRule; send: () => Promise<void> }> = [];
  const release = async (which: (rule: ActiveRule) => boolean) => {
    const pending = held.filter((entry) => which(entry.rule));
    held = held.filter((entry) => !which(entry.rule));
    for (const { send } of pending) await send();
  };
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
    if (rule) {
      rule.left -= 1;
      rule.hits += 1;
    }
    const upstreamOptions = { host: upstream.hostname, port: upstream.port, method, path, headers: { ...req.headers, host: upstream.host } };
    const forward = (loseAnswer = false) => {
      const proxied = http.request(upstreamOptions, (upstreamRes) => {
        if (loseAnswer) {
          upstreamRes.resume();
          upstreamRes.once('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      });
      proxied.on('error', () => res.destroy());
      req.pipe(proxied);
    };
    if (!rule) return forward();
    if (rule.mode === 'unavailable') {
      req.resume();
      res.writeHead(rule.status ?? 503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('injected failure');
    } else if (rule.mode === 'reset') {
      req.resume();
      res.socket?.destroy();
    } else if (rule.mode === 'lose-answer') {
      forward(true);
    } else if (rule.mode === 'hold') {
      // The body is read now, so it can still be sent after the caller has hung up.
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      const body = new Promise<Buffer>((resolve) => req.once('end', () => resolve(Buffer.concat(chunks))));
      const send = async () => {
        const payload = await body;
        await new Promise<void>((resolve) => {
          const late = http.request(upstreamOptions, (upstreamRes) => {
            upstreamRes.resume();
            upstreamRes.once('end', resolve);
          });
          late.once('error', () => resolve());
          late.end(payload);
        });
        res.socket?.destroy();
      };
      held.push({ rule, send });
    } else if (rule.mode === 'pass') {
      rule.beforeForward?.();
      forward();
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
      const added: ActiveRule = { ...rule, left: rule.times ?? Number.POSITIVE_INFINITY, hits: 0 };
      rules.push(added);
      return {
        get hits() {
          return added.hits;
        },
        remove: () => {
          rules = rules.filter((r) => r !== added);
        },
        releaseHeld: () => release((r) => r === added),
      };
    },
    clear() {
      rules = [];
    },
    releaseHeld: () => release(() => true),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
