// A load balancer in front of bridge replicas, for the rolling-restart test: like a real one it
// probes each backend's /readyz (every 200 ms here) and sends requests round robin to the backends
// whose last probe answered 200, over keep-alive connections that it drops after a few idle
// seconds (well under the bridge's 65 s keep-alive timeout). It never retries: a request that
// fails at the backend fails to the client (502), so every failure of a replica shows.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyBackend {
  url: string;
  ready: boolean;
  /** Requests routed to it. */
  routed: number;
}

export interface RoundRobinProxy {
  url: string;
  backends: ProxyBackend[];
  /** Requests that got no backend's answer: none ready (503), or the backend failed (502). */
  failures: Array<{ backend: string | null; method: string; path: string; error: string }>;
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 7.6.1) are the connection's, not the message's.
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name)));
}

export async function startRoundRobinProxy(backendUrls: string[], options: { probeIntervalMs?: number } = {}): Promise<RoundRobinProxy> {
  const backends: ProxyBackend[] = backendUrls.map((url) => ({ url, ready: false, routed: 0 }));
  const failures: RoundRobinProxy['failures'] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32, timeout: 4_000 });
  const probeAgent = new http.Agent({ keepAlive: false });
  let next = 0;

  const probe = (backend: ProxyBackend, probing: Set<ProxyBackend>) => {
    if (probing.has(backend)) return;
    probing.add(backend);
    const settle = (ready: boolean) => {
      backend.ready = ready;
      probing.delete(backend);
    };
    const request = http.get(`${backend.url}/readyz`, { agent: probeAgent, timeout: 1_000 }, (res) => {
      res.resume();
      settle(res.statusCode === 200);
    });
    request.on('timeout', () => request.destroy(new Error('probe timed out')));
    request.on('error', () => settle(false));
  };
  const probing = new Set<ProxyBackend>();
  const probeAll = () => backends.forEach((backend) => probe(backend, probing));
  probeAll();
  const prober = setInterval(probeAll, options.probeIntervalMs ?? 200);

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const ready = backends.filter((b) => b.ready);
    if (ready.length === 0) {
      failures.push({ backend: null, method, path, error: 'no backend ready' });
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no backend ready');
      return;
    }
    const backend = ready[next++ % ready.length]!;
    backend.routed += 1;
    const target = new URL(backend.url);
    const upstream = http.request(
      { host: target.hostname, port: target.port, method, path, headers: { ...endToEnd(req.headers), host: target.host }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        answer.pipe(res);
        answer.on('error', (error) => {
          failures.push({ backend: backend.url, method, path, error: `answer broke: ${error.message}` });
          res.destroy();
        });
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      failures.push({ backend: backend.url, method, path, error: error.code ?? error.message });
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`backend failed: ${error.code ?? error.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    backends,
    failures,
    async close() {
      clearInterval(prober);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
      probeAgent.destroy();
    },
  };
}
