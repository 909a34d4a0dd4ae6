// What changed in the database, as PostgreSQL announces it: a trigger (migration
// 20261125200000_change_feed) sends {table, tenant, id} on the channel sa_bridge_changes when a
// transaction that changed a service account or a tenant commits. Each bridge process listens on
// one connection of its own, so what it remembers of those rows is dropped within milliseconds
// of a change made by any replica, job or operator.
//
// A cache must also know when it cannot trust that: a connection can break, or stall without
// saying so. Every `heartbeatMs` the feed sends a notification of its own on the same channel.
// PostgreSQL delivers notifications in commit order, so receiving the heartbeat sent at time S
// proves every change committed before S has been delivered. isCurrent() is true only while the
// last heartbeat received was sent less than `maxStalenessMs` ago: a reader that trusts the cache
// only then never sees a row more than `maxStalenessMs` out of date.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const CHANGE_CHANNEL = 'sa_bridge_changes';

export type Change =
  | { table: 'service_accounts' | 'api_keys'; tenant: string; id: string }
  | { table: 'tenants'; tenant: string }
  /** Anything may have changed (the feed was disconnected and has reconnected). */
  | { table: '*' };

export interface ChangeFeed {
  /** Every change committed more than maxStalenessMs ago is known to have been delivered. */
  isCurrent(): boolean;
  /** Starts listening on the first subscription. */
  subscribe(listener: (change: Change) => void): () => void;
  close(): Promise<void>;
}

export interface ChangeFeedOptions {
  url: string;
  heartbeatMs?: number;
  maxStalenessMs?: number;
  log?: (msg: string) => void;
  now?: () => number;
}

export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const heartbeatMs = options.heartbeatMs ?? 200;
  const maxStalenessMs = options.maxStalenessMs ?? 1000;
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const heartbeatPrefix = `heartbeat:${randomBytes(6).toString('hex')}:`;
  const listeners = new Set<(change: Change) => void>();
  let client: pg.Client | undefined;
  let connected = false;
  let confirmedSentAt = Number.NEGATIVE_INFINITY;
  let heartbeatInFlight = false;
  let timer: NodeJS.Timeout | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectDelayMs = 500;
  let started = false;
  let closed = false;

  const emit = (change: Change) => {
    for (const listener of listeners) listener(change);
  };

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== CHANGE_CHANNEL || !message.payload) return;
    if (message.payload.startsWith('heartbeat:')) {
      if (message.payload.startsWith(heartbeatPrefix)) confirmedSentAt = Number(message.payload.slice(heartbeatPrefix.length));
      return;
    }
    let change: Change;
    try {
      change = JSON.parse(message.payload) as Change;
    } catch {
      return;
    }
    emit(change);
  };

  const lose = (reason: string) => {
    if (!connected && !client) return;
    log(`change feed: ${reason}; caches are bypassed until it reconnects`);
    connected = false;
    const broken = client;
    client = undefined;
    broken?.removeAllListeners('notification');
    broken?.end().catch(() => undefined);
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, reconnectDelayMs);
    reconnectTimer.unref();
    reconnectDelayMs = Math.min(reconnectDelayMs * 2, 10_000);
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const next = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: 5_000, keepAlive: true, application_name: 'sa-bridge change feed' });
    next.on('error', (error) => lose(`connection error (${error.message})`));
    next.on('end', () => {
      if (client === next) lose('connection ended');
    });
    next.on('notification', onNotification);
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      next.removeAllListeners('notification');
      await next.end().catch(() => undefined);
      log(`change feed: cannot listen (${(error as Error).message}); retrying`);
      scheduleReconnect();
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    connected = true;
    reconnectDelayMs = 500;
    // Whatever changed while nobody listened is unknown: everything remembered is dropped.
    emit({ table: '*' });
    void sendHeartbeat();
  }

  async function sendHeartbeat(): Promise<void> {
    if (!connected || !client || heartbeatInFlight) return;
    heartbeatInFlight = true;
    try {
      await client.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, `${heartbeatPrefix}${now()}`]);
    } catch (error) {
      lose(`heartbeat failed (${(error as Error).message})`);
    } finally {
      heartbeatInFlight = false;
    }
  }

  function start() {
    if (started || closed) return;
    started = true;
    timer = setInterval(() => void sendHeartbeat(), heartbeatMs);
    timer.unref();
    void connect();
  }

  return {
    isCurrent: () => connected && now() - confirmedSentAt < maxStalenessMs,
    subscribe(listener) {
      listeners.add(listener);
      start();
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      clearTimeout(reconnectTimer);
      connected = false;
      const open = client;
      client = undefined;
      await open?.end().catch(() => undefined);
    },
  };
}
