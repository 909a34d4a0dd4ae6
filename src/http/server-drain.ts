// Draining the HTTP server on shutdown (main.ts), so that a rolling restart fails no request.
// Node's server.close() stops accepting and closes idle keep-alive connections, but a connection
// whose request is in flight stays open after its response (Node answers it `Connection:
// keep-alive`) until the keep-alive timeout, 65 s here: close() would not resolve before the
// hard stop, and a client reusing that connection would find it reset. So while draining every
// response, in flight or new, carries `Connection: close`: the client opens its next connection
// elsewhere, and each connection ends with its last response.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface ServerDrain {
  /** True from begin() on; /readyz answers 503 then. */
  readonly draining: boolean;
  /** Tracks the server's requests; once, before it serves any. */
  attach(server: Server): void;
  /** From now on every response, in flight or new, carries `Connection: close`. */
  begin(): void;
  /**
   * Stops accepting and closes idle connections; requests in flight get `timeoutMs` to finish,
   * then the connections still open are closed. Resolves once every connection is closed.
   */
  close(timeoutMs: number): Promise<{ unfinished: number }>;
}

export function createServerDrain(): ServerDrain {
  let draining = false;
  let server: Server | undefined;
  const inFlight = new Set<ServerResponse>();
  const closeAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };

  return {
    get draining() {
      return draining;
    },
    attach(target) {
      server = target;
      // Ahead of the app's own listener, which may answer before returning.
      target.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
        if (draining) closeAfter(res);
        inFlight.add(res);
        res.once('close', () => inFlight.delete(res));
      });
    },
    begin() {
      draining = true;
      for (const res of inFlight) closeAfter(res);
    },
    async close(timeoutMs) {
      if (!server) return { unfinished: 0 };
      const target = server;
      draining = true;
      for (const res of inFlight) closeAfter(res);
      const closed = new Promise<void>((resolve) => target.close(() => resolve()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<true>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      });
      const late = await Promise.race([closed.then(() => false), timedOut]);
      clearTimeout(timer);
      if (!late) return { unfinished: 0 };
      const unfinished = inFlight.size;
      target.closeAllConnections();
      await closed;
      return { unfinished };
    },
  };
}
