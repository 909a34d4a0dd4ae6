// Which errors mean the database could not be reached or the connection broke, as opposed to a
// query that failed on its own. A request that meets one did nothing wrong: it gets a 503 with
// Retry-After (DatabaseUnavailableError), not a 500. What reaches us, checked with Prisma 7.10 on
// @prisma/adapter-pg and node-postgres 8:
// - a connection that breaks or is refused mid-query: node-postgres' own Error ("Connection
//   terminated unexpectedly", "… is not queryable", the pool's connect timeout), which the
//   adapter passes through unchanged;
// - socket errors the adapter maps: P1001 (not reachable), P1008 (socket timeout), P1017 (closed),
//   and the pool's own P2024 (no connection in time) and P2037 (too many connections);
// - PostgreSQL refusing or ending the session: SQLSTATE class 08 (connection exception), 57P01-03
//   (shutdown, crash, starting up), 53300 (too many connections), inside Prisma's P2010/P2039.
import { Prisma } from '../generated/prisma/client.ts';

const prismaCodes = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
const driverMessages = [
  /^Connection terminated/,
  /is not queryable$/,
  /^timeout exceeded when trying to connect$/,
  /^Cannot use a pool after calling end on the pool$/,
];

function isUnavailableSqlState(state: unknown): boolean {
  return typeof state === 'string' && (state.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(state));
}

export function isDatabaseUnavailable(error: unknown): boolean {
  // The cause chain is short (an error wrapped once or twice); the bound guards against cycles.
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth += 1, current = (current as { cause?: unknown }).cause) {
    if (current instanceof Prisma.PrismaClientInitializationError) return true;
    if (current instanceof Prisma.PrismaClientKnownRequestError) {
      if (prismaCodes.has(current.code)) return true;
      const adapterError = current.meta?.driverAdapterError as { cause?: { originalCode?: unknown; code?: unknown } } | undefined;
      if (isUnavailableSqlState(adapterError?.cause?.originalCode ?? adapterError?.cause?.code ?? current.meta?.code)) return true;
      continue;
    }
    const { code, message, severity } = current as { code?: unknown; message?: unknown; severity?: unknown };
    // node-postgres' DatabaseError: PostgreSQL's own answer, with its severity.
    if (typeof severity === 'string' && isUnavailableSqlState(code)) return true;
    if (typeof message === 'string' && driverMessages.some((pattern) => pattern.test(message))) return true;
  }
  return false;
}
